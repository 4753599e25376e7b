@TC_R752_FAILOVER_007 @core
Feature: TC_R752_FAILOVER_007 A failing model without a secondary provider
  Case TC_R752_FAILOVER_007 verifies what the client gets when the only provider
  of a model fails, or when every provider of its chain is failing: a 503 in
  OpenAI's error shape that names the model and the last failure class, with a
  Retry-After header, never later than the request deadline. The gateway does
  not crash and keeps serving other models.

  Background:
    Given each provider gets 1 attempt per request
    And each attempt times out after 1000 ms
    And each request times out after 3000 ms
    And the breaker opens when 50% of at least 4 calls in 10000 ms fail, for 5000 ms

  Scenario Outline: <request> for a model with one provider gets 503 when it fails with <fault>
    Given model "solo" is served by "primary" only
    And provider "primary" fails every request with <fault>
    When the client sends <request> for "solo"
    Then the response has status 503
    And the response is an OpenAI error with code "no_provider_available"
    And the error message mentions "solo" and "<class>"
    And the response has a Retry-After header between 1 and 60 seconds

    Examples:
      | request               | fault                         | class             |
      | a chat completion     | status 500                    | server_error      |
      | an embeddings request | status 500                    | server_error      |
      | a chat completion     | a refused connection          | connection_failed |
      | a chat completion     | status 429 with Retry-After 0 | rate_limited      |
      | an embeddings request | status 401                    | auth_error        |

  Scenario: every provider of the chain failing gives 503 too
    Given model "gpt-4o" is served by "primary" then "secondary"
    And provider "primary" fails every request with status 500
    And provider "secondary" fails every request with status 503
    When the client sends a chat completion for "gpt-4o"
    Then the response has status 503
    And the response is an OpenAI error with code "no_provider_available"
    And the error message mentions "gpt-4o" and "server_error"

  @serial
  Scenario: a hanging provider does not hold the client past the request deadline
    Given model "solo" is served by "primary" only
    And each attempt times out after 150 ms
    And each request times out after 400 ms
    And provider "primary" fails every request with a timeout
    When the client sends a chat completion for "solo"
    Then the response has status 503
    And the response arrived within 400 ms, with 300 ms of tolerance
    And the error message mentions "solo" and "timeout"

  @serial
  Scenario: once the breaker is open the 503 comes at once and says when to retry
    Given model "solo" is served by "primary" only
    And the breaker opens when 100% of at least 2 calls in 10000 ms fail, for 5000 ms
    And provider "primary" fails every request with status 500
    When the client sends 4 chat completions for "solo"
    Then all 4 responses have status 503
    And provider "primary" received at most 2 requests
    And the response has a Retry-After header between 1 and 5 seconds
    And the response arrived within 50 ms, with 150 ms of tolerance

  Scenario: the gateway stays up and keeps serving other models
    Given model "solo" is served by "primary" only
    And model "other" is served by "backup" only
    And provider "primary" fails every request with status 500
    When the client sends 5 chat completions for "solo"
    Then all 5 responses have status 503
    When the client sends a chat completion for "other"
    Then the response has status 200
    And the response was served by "backup"
    And the gateway reports healthy
