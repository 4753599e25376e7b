@TAXONOMY_HARD_FAILURES @core
Feature: Hard failure taxonomy: how each class of provider failure is handled
  The hard failures an LLM provider shows on the wire fall into classes (rate
  limit, timeout, server error, connection failure, auth error, context overflow)
  and each class has one right handling: retry on the same provider or not,
  fail over to the next provider or not, count against the provider's circuit
  breaker or not. A client's own mistake (any other 4xx) is returned unchanged,
  never retried, never failed over, and never held against the provider.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 2 attempts per request with backoff between 1 ms and 5 ms
    And each attempt times out after 150 ms
    And a Retry-After of at most 100 ms is waited for

  Scenario Outline: <failure> from the primary is <handling>
    Given provider "primary" fails every request with <failure>
    When the client sends a chat completion for "gpt-4o"
    Then the response has status <status>
    And the response came from "<source>"
    And provider "primary" received <primary> requests
    And provider "secondary" received <secondary> requests

    Examples: retryable: retried once on the same provider, then failed over
      | failure                       | handling                | status | source    | primary | secondary |
      | status 429 with Retry-After 0 | retried then failed over | 200    | secondary | 2       | 1         |
      | status 500                    | retried then failed over | 200    | secondary | 2       | 1         |
      | status 502                    | retried then failed over | 200    | secondary | 2       | 1         |
      | status 503                    | retried then failed over | 200    | secondary | 2       | 1         |
      | status 504                    | retried then failed over | 200    | secondary | 2       | 1         |
      | status 408                    | retried then failed over | 200    | secondary | 2       | 1         |
      | a timeout                     | retried then failed over | 200    | secondary | 2       | 1         |
      | a refused connection          | failed over              | 200    | secondary | 0       | 1         |

    Examples: not worth retrying on the same provider: failed over at once
      | failure                        | handling           | status | source    | primary | secondary |
      | status 429 with Retry-After 30 | failed over at once | 200    | secondary | 1       | 1         |
      | status 401                     | failed over at once | 200    | secondary | 1       | 1         |
      | status 403                     | failed over at once | 200    | secondary | 1       | 1         |
      | context overflow               | failed over at once | 200    | secondary | 1       | 1         |

    Examples: the client's fault: returned unchanged
      | failure    | handling           | status | source  | primary | secondary |
      | status 400 | returned unchanged | 400    | primary | 1       | 0         |
      | status 404 | returned unchanged | 404    | primary | 1       | 0         |
      | status 422 | returned unchanged | 422    | primary | 1       | 0         |

  Scenario: a rate limit's retry-after-ms is waited out before the same provider is tried again
    Given provider "primary" fails the next 1 request with status 429 with retry-after-ms 60
    When the client sends a chat completion for "gpt-4o"
    Then the response has status 200
    And the response came from "primary"
    And provider "primary" received 2 requests, at least 60 ms apart

  @requires-retry-budget
  Scenario: retries stop when the retry budget is spent, and requests fail over instead
    Given the breaker opens when 100% of at least 1000 calls in 10000 ms fail, for 5000 ms
    And retries are limited to a budget of 2 retries, refilled by 0% of requests and 0 per second
    And provider "primary" fails every request with status 503
    When the client sends 5 chat completions for "gpt-4o"
    Then all 5 responses have status 200
    And all 5 responses were served by "secondary"
    And provider "primary" received 7 requests

  Scenario Outline: <failure> <counted> against the primary's breaker
    Given each provider gets 1 attempt per request
    And the breaker opens when 100% of at least 2 calls in 10000 ms fail, for 5000 ms
    And provider "primary" fails every request with <failure>
    When the client sends 3 chat completions for "gpt-4o"
    Then provider "primary" received <primary> requests

    Examples:
      | failure                       | counted        | primary |
      | status 500                    | counts         | 2       |
      | status 429 with Retry-After 0 | counts         | 2       |
      | a timeout                     | counts         | 2       |
      | status 401                    | counts         | 2       |
      | context overflow              | does not count | 3       |
      | status 400                    | does not count | 3       |
      | status 404                    | does not count | 3       |
