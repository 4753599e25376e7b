@TC_R752_FAILOVER_004 @core
Feature: TC_R752_FAILOVER_004 No unsafe replay during failover
  Case TC_R752_FAILOVER_004 verifies that failover never processes or bills a
  request twice. An inference that failed before any answer reached the client is
  replayed on the secondary exactly once. A stream that already sent output is
  never replayed. A request that must not run twice (its model is configured as
  not idempotent, or it asks the provider to store its result) is not replayed
  when the primary may have acted on it: the client is told so. A request repeated
  with the same Idempotency-Key gets the first answer back, with no new upstream
  call. The journals of all providers together prove it.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And each attempt times out after 150 ms
    And answers to an Idempotency-Key are replayed for 60000 ms

  Scenario Outline: an inference that failed before any answer is replayed on the secondary exactly once (<fault>)
    Given provider "primary" fails every request with <fault>
    When the client sends a chat completion for "gpt-4o"
    Then the response has status 200
    And the response was served by "secondary"
    And provider "primary" received 1 request
    And provider "secondary" received 1 request

    Examples:
      | fault                    |
      | status 503               |
      | a reset before answering |
      | a reset after headers    |
      | a timeout                |

  @requires-streaming @S08 @S14
  Scenario: a stream that failed after partial output is not replayed
    Given provider "primary" fails every request with a stream reset after 2 chunks
    When the client streams a chat completion for "gpt-4o"
    Then the stream ended with an error event and no [DONE]
    And every chunk of the stream came from "primary"
    And provider "secondary" received no requests
    And the providers received 1 request in total

  Scenario Outline: a request that stores its result is not replayed when the primary may have run it (<fault>)
    Given provider "primary" fails every request with <fault>
    When the client sends a chat completion for "gpt-4o" asking the provider to store it
    Then the response has status <status>
    And the response is an OpenAI error with code "not_retried_unknown_outcome"
    And the error message mentions "not retried" and "store"
    And the providers received 1 request in total

    Examples:
      | fault                 | status |
      | a timeout             | 504    |
      | a reset after headers | 502    |

  Scenario: a model configured as not idempotent is not replayed when the primary may have run it
    Given model "gpt-4o" is not idempotent
    And provider "primary" fails every request with a timeout
    When the client sends a chat completion for "gpt-4o"
    Then the response has status 504
    And the error message mentions "not retried" and "not idempotent"
    And the providers received 1 request in total

  Scenario Outline: a request that must not run twice still fails over when the primary surely did not run it (<fault>)
    Given provider "primary" fails every request with <fault>
    When the client sends a chat completion for "gpt-4o" asking the provider to store it
    Then the response has status 200
    And the response was served by "secondary"
    And provider "secondary" received 1 request

    Examples:
      | fault                |
      | a refused connection |
      | status 503           |

  @requires-idempotency-key
  Scenario: a request repeated with its Idempotency-Key gets the first answer, with no second upstream call
    When the client sends a chat completion for "gpt-4o" with Idempotency-Key "order-17"
    And the client repeats its last request
    Then the last 2 responses are identical
    And the providers received 1 request in total

  @requires-idempotency-key
  Scenario: a repeat gets the first answer also when the first was served after failover
    Given provider "primary" fails every request with status 503
    When the client sends a chat completion for "gpt-4o" with Idempotency-Key "order-18"
    And the client repeats its last request
    And the client repeats its last request
    Then the last 3 responses are identical
    And the response was served by "secondary"
    And the providers received 2 requests in total

  @requires-idempotency-key
  Scenario: an Idempotency-Key reused with a different body is rejected with 422
    When the client sends a chat completion for "gpt-4o" with Idempotency-Key "order-19"
    And the client sends another chat completion for "gpt-4o" with Idempotency-Key "order-19"
    Then the response has status 422
    And the response is an OpenAI error with code "idempotency_key_reused"
    And the providers received 1 request in total

  @S16
  Scenario Outline: the client is billed for the completion it got, by the provider that served it (<request>)
    Given model "gpt-4o" is served by "primary" then "secondary" as "gpt-4o-mini"
    And provider "primary" fails every request with status 503
    When the client sends a <request> for "gpt-4o"
    Then the response was served by "secondary"
    And the response's model and usage are those provider "secondary" answered
    And provider "primary" received 1 request

    Examples:
      | request                  |
      | chat completion          |

    @requires-streaming
    Examples:
      | request                  |
      | streamed chat completion |

  @requires-events
  Scenario: failed attempts are logged as failures, never as served completions
    Given provider "primary" fails every request with status 503
    When the client sends a chat completion for "gpt-4o"
    Then the gateway's events show the request served by "secondary" after a failed attempt on "primary"

  @requires-attempt-headers
  Scenario: the response says which provider served it and after how many attempts
    Given provider "primary" fails every request with status 503
    When the client sends a chat completion for "gpt-4o"
    Then the response headers say it was served by "secondary" after 2 attempts
