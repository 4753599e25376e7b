@FALLBACK_TAIL @extended @requires-fallback-tail
Feature: The end of the fallback chain: a cached answer, then a default answer
  When no provider of a model's chain can serve a chat completion, the gateway
  may still answer: first with the answer it kept for the same request (an
  exact-match cache of recent successful answers, with an age limit), then
  with the model's configured default answer. Each is marked as such in
  x-failover-fallback, the cached one with its age in x-failover-cache-age-ms,
  so a client never takes either for a provider's fresh answer; the 503 comes
  only when neither is there. An answer to a request asking for variety
  (temperature above the cache's limit: the suite's requests ask 0.2, the
  one asking for variety 0.7, the limit is 0.5) is not kept.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 20 calls in 10000 ms fail, for 5000 ms

  Scenario: with every provider failing, a request answered before gets the same answer from the cache, marked with its age
    Given the gateway keeps answers to requests at temperature 0.5 or below for 60000 ms
    And model "gpt-4o" has the default answer "The assistant is unavailable; please try again in a few minutes."
    When the client sends a chat completion for "gpt-4o"
    And provider "primary" fails every request with status 500
    And provider "secondary" fails every request with status 503
    And the client repeats its last request
    Then the response is the answer the same request got before, from the cache, no older than the time since
    And provider "primary" received 2 requests
    And provider "secondary" received 1 request

  Scenario: with every provider failing, a request never answered before gets the model's default answer, marked as such
    Given the gateway keeps answers to requests at temperature 0.5 or below for 60000 ms
    And model "gpt-4o" has the default answer "The assistant is unavailable; please try again in a few minutes."
    And provider "primary" fails every request with status 500
    And provider "secondary" fails every request with status 503
    When the client sends a chat completion for "gpt-4o"
    Then the response is the default answer "The assistant is unavailable; please try again in a few minutes."
    And provider "primary" received 1 request
    And provider "secondary" received 1 request

  Scenario: a cached answer past its age limit is not given back (200 ms limit, 500 ms later)
    Given the gateway keeps answers to requests at temperature 0.5 or below for 200 ms
    When the client sends a chat completion for "gpt-4o"
    And provider "primary" fails every request with status 500
    And provider "secondary" fails every request with status 503
    And 500 ms pass
    And the client repeats its last request
    Then the response has status 503
    And the response is an OpenAI error with code "no_provider_available"

  Scenario: the answer to a request asking for variety is not kept, and the default answer serves instead
    Given the gateway keeps answers to requests at temperature 0.5 or below for 60000 ms
    And model "gpt-4o" has the default answer "The assistant is unavailable; please try again in a few minutes."
    When the client sends 1 chat completion for "gpt-4o" asking for variety at temperature 0.7
    And provider "primary" fails every request with status 500
    And provider "secondary" fails every request with status 503
    And the client repeats its last request
    Then the response is the default answer "The assistant is unavailable; please try again in a few minutes."

  @requires-metrics
  Scenario: answers from the end of the chain are counted as such
    Given the gateway keeps answers to requests at temperature 0.5 or below for 60000 ms
    And model "gpt-4o" has the default answer "The assistant is unavailable; please try again in a few minutes."
    When the client sends a chat completion for "gpt-4o"
    And provider "primary" fails every request with status 500
    And provider "secondary" fails every request with status 503
    And the client repeats its last request
    And the client sends a chat completion for "gpt-4o"
    Then the metrics count 1 request for "gpt-4o" served by "none" with outcome served_from_cache
    And the metrics count 1 request for "gpt-4o" served by "none" with outcome default_answer
