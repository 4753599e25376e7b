@CONTRACT_STREAMING @core @requires-streaming
Feature: Streamed answers are relayed as they come, and a cut stream never looks complete
  A `stream: true` chat completion is relayed to the client event by event as the
  provider sends it, ending with `data: [DONE]`. Until the first event has reached
  the gateway the request can still fail over; after that the stream belongs to its
  provider, and a failure ends the client's stream with an error event in OpenAI's
  error shape and no `[DONE]`: a gateway cannot tell what a garbled or missing
  event carried, so it never presents what it relayed as the whole answer. The
  usage chunk a client asks for (`stream_options.include_usage`) is relayed,
  and names the model that served. The most reported defect of today's gateways, a cut
  stream relayed as a clean end, is what these scenarios look for first.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And a stream's first event must arrive within 300 ms
    And a stream times out after 250 ms of silence
    And the breaker opens when 50% of at least 4 calls in 10000 ms fail, for 5000 ms
    And provider "primary" streams 5 chunks 40 ms apart

  @serial
  Scenario: events are relayed one by one as they arrive, then [DONE]
    When the client streams a chat completion for "gpt-4o"
    Then the stream was complete, ending with [DONE]
    And every chunk of the stream came from "primary"
    And the stream carried 5 content chunks
    And the stream's chunks arrived as they were sent, over at least 80 ms

  Scenario Outline: a stream that breaks after output ends with an error event, never as complete (<fault>)
    Given provider "primary" fails every request with <fault>
    When the client streams a chat completion for "gpt-4o"
    Then the stream ended with an error event and no [DONE]
    And every chunk of the stream came from "primary"
    And the stream carried 2 content chunks
    And provider "secondary" received no requests

    @S08
    Examples: cut or broken mid-answer
      | fault                         |
      | a stream cut after 2 chunks   |
      | a stream reset after 2 chunks |

    @S10
    Examples: garbage mid-answer
      | fault                            |
      | a malformed chunk after 2 chunks |

  @serial @S09
  Scenario: a stream that stalls is ended with an error event within the idle timeout, and the gateway carries on
    Given provider "primary" fails every request with a stream stalled after 2 chunks
    When the client streams a chat completion for "gpt-4o"
    Then the stream ended with an error event and no [DONE]
    And the stream carried 2 content chunks
    And the stream ended within 250 ms of its last chunk, with 250 ms of tolerance
    When provider "primary" recovers
    And the client streams a chat completion for "gpt-4o"
    Then the stream was complete, ending with [DONE]
    And the gateway reports healthy

  @S10
  Scenario: after a malformed chunk the gateway is healthy, and the next stream completes
    Given provider "primary" fails the next 1 request with a malformed chunk after 2 chunks
    When the client streams a chat completion for "gpt-4o"
    Then the stream ended with an error event and no [DONE]
    When the client streams a chat completion for "gpt-4o"
    Then the stream was complete, ending with [DONE]
    And every chunk of the stream came from "primary"
    And the gateway reports healthy

  @serial @S11
  Scenario: a stream that ends complete but without [DONE] is finalised at once, with its usage
    Given provider "primary" fails every request with a stream without [DONE]
    When the client streams a chat completion for "gpt-4o"
    Then the stream was complete, ending with [DONE]
    And the stream carried 5 content chunks
    And the stream ended within 40 ms of its last chunk, with 200 ms of tolerance
    And the response's model and usage are those provider "primary" answered

  @S11 @S16
  Scenario: a stream served after failover and ended without [DONE] names the model that served, with its usage
    Given model "gpt-4o" is served by "primary" then "secondary" as "gpt-4o-mini"
    And provider "primary" fails every request with status 503
    And provider "secondary" fails every request with a stream without [DONE]
    When the client streams a chat completion for "gpt-4o"
    Then the stream was complete, ending with [DONE]
    And every chunk of the stream came from "secondary"
    And the response's model and usage are those provider "secondary" answered

  @serial
  Scenario Outline: a stream that fails before its first event fails over (<fault>)
    Given provider "primary" fails every request with <fault>
    When the client streams a chat completion for "gpt-4o"
    Then the stream was complete, ending with [DONE]
    And every chunk of the stream came from "secondary"
    And the stream's first event arrived within <bound> ms, with 300 ms of tolerance
    And provider "primary" received 1 request
    And provider "secondary" received 1 request

    @S07
    Examples: the first token late
      | fault                            | bound |
      | a first chunk delayed by 3000 ms | 300   |

    @S05
    Examples: broken before the first event
      | fault                         | bound |
      | a stream reset after 0 chunks | 0     |
      | a reset after headers         | 0     |

    @S04
    Examples: an error status
      | fault      | bound |
      | status 503 | 0     |
