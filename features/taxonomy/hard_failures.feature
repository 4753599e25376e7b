@TAXONOMY_HARD_FAILURES @core
Feature: Hard failure taxonomy: how each class of provider failure is handled
  The hard failures an LLM provider shows on the wire fall into classes (rate
  limit, timeout, server error, connection failure, auth error, context overflow)
  and each class has one right handling: retry on the same provider or not,
  fail over to the next provider or not, count against the provider's circuit
  breaker or not. A failure at the transport level (the connection refused,
  reset or silent) says nothing about the request: it moves to the next
  provider at once, and only the last provider of a chain is tried again. A
  client's own mistake (any other 4xx) is returned unchanged, never retried,
  never failed over, and never held against the provider; so is a
  content-filter rejection, when the model has no content-policy chain. Each scenario runs streamed and not.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 2 attempts per request with backoff between 1 ms and 5 ms
    And each attempt times out after 150 ms
    And each request times out after 3000 ms
    And a Retry-After of at most 100 ms is waited for
    And the breaker opens when 50% of at least 4 calls in 10000 ms fail, for 5000 ms

  Scenario Outline: <failure> from the primary of a <request> is <handling>
    Given provider "primary" fails every request with <failure>
    When the client sends a <request> for "gpt-4o"
    Then the response has status <status>
    And the response came from "<source>"
    And provider "primary" received <primary> requests
    And provider "secondary" received <secondary> requests

    @S04
    Examples: an error status worth retrying: retried once on the same provider, then failed over
      | failure                       | request                  | handling                 | status | source    | primary | secondary |
      | status 429 with Retry-After 0 | chat completion          | retried then failed over | 200    | secondary | 2       | 1         |
      | status 500                    | chat completion          | retried then failed over | 200    | secondary | 2       | 1         |
      | status 502                    | chat completion          | retried then failed over | 200    | secondary | 2       | 1         |
      | status 503                    | chat completion          | retried then failed over | 200    | secondary | 2       | 1         |
      | status 504                    | chat completion          | retried then failed over | 200    | secondary | 2       | 1         |
      | status 408                    | chat completion          | retried then failed over | 200    | secondary | 2       | 1         |

    @S04 @requires-streaming
    Examples: an error status worth retrying: retried once on the same provider, then failed over (streamed)
      | failure                       | request                  | handling                 | status | source    | primary | secondary |
      | status 429 with Retry-After 0 | streamed chat completion | retried then failed over | 200    | secondary | 2       | 1         |
      | status 500                    | streamed chat completion | retried then failed over | 200    | secondary | 2       | 1         |
      | status 503                    | streamed chat completion | retried then failed over | 200    | secondary | 2       | 1         |

    @S08 @S10
    Examples: a success the gateway cannot read: retried once on the same provider, then failed over
      | failure                    | request         | handling                 | status | source    | primary | secondary |
      | an answer cut short        | chat completion | retried then failed over | 200    | secondary | 2       | 1         |
      | an answer that is not JSON | chat completion | retried then failed over | 200    | secondary | 2       | 1         |

    Examples: not worth retrying on the same provider: failed over at once
      | failure                        | request                  | handling            | status | source    | primary | secondary |
      | status 429 with Retry-After 30 | chat completion          | failed over at once | 200    | secondary | 1       | 1         |
      | status 401                     | chat completion          | failed over at once | 200    | secondary | 1       | 1         |
      | status 403                     | chat completion          | failed over at once | 200    | secondary | 1       | 1         |

    @requires-streaming
    Examples: not worth retrying on the same provider: failed over at once (streamed)
      | failure                        | request                  | handling            | status | source    | primary | secondary |
      | status 429 with Retry-After 30 | streamed chat completion | failed over at once | 200    | secondary | 1       | 1         |
      | status 401                     | streamed chat completion | failed over at once | 200    | secondary | 1       | 1         |

    @S12
    Examples: a context overflow: the next provider may have a larger window
      | failure          | request                  | handling            | status | source    | primary | secondary |
      | context overflow | chat completion          | failed over at once | 200    | secondary | 1       | 1         |

    @S12 @requires-streaming
    Examples: a context overflow: the next provider may have a larger window (streamed)
      | failure          | request                  | handling            | status | source    | primary | secondary |
      | context overflow | streamed chat completion | failed over at once | 200    | secondary | 1       | 1         |

    Examples: the client's fault: returned unchanged
      | failure    | request                  | handling           | status | source  | primary | secondary |
      | status 400 | chat completion          | returned unchanged | 400    | primary | 1       | 0         |
      | status 404 | chat completion          | returned unchanged | 404    | primary | 1       | 0         |
      | status 422 | chat completion          | returned unchanged | 422    | primary | 1       | 0         |

    @requires-streaming
    Examples: the client's fault: returned unchanged (streamed)
      | failure    | request                  | handling           | status | source  | primary | secondary |
      | status 400 | streamed chat completion | returned unchanged | 400    | primary | 1       | 0         |

    @S13
    Examples: a content-filter rejection: the provider's reason, unchanged, after one attempt
      | failure                     | request                  | handling           | status | source  | primary | secondary |
      | a content-filter rejection | chat completion          | returned unchanged | 400    | primary | 1       | 0         |

    @S13 @requires-streaming
    Examples: a content-filter rejection: the provider's reason, unchanged, after one attempt (streamed)
      | failure                     | request                  | handling           | status | source  | primary | secondary |
      | a content-filter rejection | streamed chat completion | returned unchanged | 400    | primary | 1       | 0         |

  Scenario Outline: <failure> from the primary moves a <request> to the secondary at once, within <bound> ms
    Given provider "primary" fails every request with <failure>
    When the client sends a <request> for "gpt-4o"
    Then the response has status 200
    And the response was served by "secondary"
    And provider "primary" received <primary> request
    And provider "secondary" received 1 request
    And the response arrived within <bound> ms, with <tolerance> ms of tolerance
    # 140 ms of tolerance absorbs a stall of a loaded machine, yet a gateway that
    # waited one more attempt timeout (150 ms) would still miss every bound.

    @S06 @serial
    Examples: a provider that never sends a status line, or only its headers: one attempt timeout
      | failure              | request                  | primary | bound | tolerance |
      | a timeout            | chat completion          | 1       | 150   | 140       |
      | a hang after headers | chat completion          | 1       | 150   | 140       |

    @S06 @serial @requires-streaming
    Examples: a provider that never sends a status line, or only its headers: one attempt timeout (streamed)
      | failure              | request                  | primary | bound | tolerance |
      | a timeout            | streamed chat completion | 1       | 150   | 140       |
      | a hang after headers | streamed chat completion | 1       | 150   | 140       |

    @S07 @serial
    Examples: headers at once, the first token (or the whole answer) late: one attempt timeout
      | failure                          | request                  | primary | bound | tolerance |
      | a first chunk delayed by 3000 ms | chat completion          | 1       | 150   | 140       |

    @S07 @serial @requires-streaming
    Examples: headers at once, the first token (or the whole answer) late: one attempt timeout (streamed)
      | failure                          | request                  | primary | bound | tolerance |
      | a first chunk delayed by 3000 ms | streamed chat completion | 1       | 150   | 140       |

    @S05 @serial
    Examples: a broken or refused connection: at once
      | failure                  | request                  | primary | bound | tolerance |
      | a reset before answering | chat completion          | 1       | 0     | 140       |
      | a reset after headers    | chat completion          | 1       | 0     | 140       |
      | a refused connection     | chat completion          | 0       | 0     | 140       |

    @S05 @serial @requires-streaming
    Examples: a broken or refused connection: at once (streamed)
      | failure                  | request                  | primary | bound | tolerance |
      | a reset before answering | streamed chat completion | 1       | 0     | 140       |
      | a reset after headers    | streamed chat completion | 1       | 0     | 140       |
      | a refused connection     | streamed chat completion | 0       | 0     | 140       |

    @S09 @serial
    Examples: an answer that stalls halfway: one attempt timeout
      | failure                       | request         | primary | bound | tolerance |
      | an answer that stalls halfway | chat completion | 1       | 150   | 140       |

  @S06
  Scenario Outline: a silent last provider of a chain is retried, within the request's deadline (<request>)
    Given model "solo" is served by "primary" only
    And provider "primary" fails every request with a timeout
    When the client sends a <request> for "solo"
    Then the response has status 503
    And provider "primary" received 2 requests
    And the response arrived within 305 ms, with 150 ms of tolerance

    Examples:
      | request                  |
      | chat completion          |

    @requires-streaming
    Examples:
      | request                  |
      | streamed chat completion |

  @S01
  Scenario Outline: a single rate limit asking for a second is waited out, then the same provider serves (<request>)
    Given a Retry-After of at most 2000 ms is waited for
    And provider "primary" fails the next 1 request with status 429 with Retry-After 1
    When the client sends a <request> for "gpt-4o"
    Then the response has status 200
    And the response was served by "primary"
    And provider "primary" received 2 requests, at least 1000 ms apart
    And provider "secondary" received no requests

    Examples:
      | request                  |
      | chat completion          |

    @requires-streaming
    Examples:
      | request                  |
      | streamed chat completion |

  Scenario: a rate limit's retry-after-ms is waited out before the same provider is tried again
    Given provider "primary" fails the next 1 request with status 429 with retry-after-ms 60
    When the client sends a chat completion for "gpt-4o"
    Then the response has status 200
    And the response came from "primary"
    And provider "primary" received 2 requests, at least 60 ms apart

  @S03
  Scenario Outline: a single server error is retried on the same provider, which then serves (<request>)
    Given provider "primary" fails the next 1 request with status 500
    When the client sends a <request> for "gpt-4o"
    Then the response has status 200
    And the response was served by "primary"
    And provider "primary" received 2 requests
    And provider "secondary" received no requests

    Examples:
      | request                  |
      | chat completion          |

    @requires-streaming
    Examples:
      | request                  |
      | streamed chat completion |

  @S02 @serial
  Scenario Outline: a persistent rate limit without Retry-After is retried with backoff a bounded number of times (<request>)
    Given each provider gets 3 attempts per request with backoff between 20 ms and 80 ms
    And provider "primary" fails every request with status 429
    When the client sends a <request> for "gpt-4o"
    Then the response has status 200
    And the response was served by "secondary"
    And provider "primary" received 3 requests
    # The backoffs are drawn from [0, 20] and [0, 40] ms: at most 60 ms in all.
    And the response arrived within 60 ms, with 150 ms of tolerance

    Examples:
      | request                  |
      | chat completion          |

    @requires-streaming
    Examples:
      | request                  |
      | streamed chat completion |

  @S12 @requires-context-windows
  Scenario Outline: a context overflow goes to the next provider with a larger window, past those no larger (<request>)
    Given model "gpt-4o" is served by "primary" then "secondary" then "large" as "gpt-4o-128k"
    And the context windows of model "gpt-4o"'s chain are 8192, 8192 and 128000 tokens
    And provider "primary" fails every request with context overflow
    When the client sends a <request> for "gpt-4o"
    Then the response has status 200
    And the response was served by "large"
    And provider "primary" received 1 request
    And provider "secondary" received no requests
    And provider "large" received the client's requests with only the model changed to "gpt-4o-128k"

    Examples:
      | request                  |
      | chat completion          |

    @requires-streaming
    Examples:
      | request                  |
      | streamed chat completion |

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
