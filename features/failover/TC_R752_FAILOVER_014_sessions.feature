@TC_R752_FAILOVER_014 @extended @requires-sessions
Feature: TC_R752_FAILOVER_014 Session context preserved across failover
  Case TC_R752_FAILOVER_014 verifies that a conversation kept by the gateway
  survives its providers changing under it. The client names its session in
  x-session-id and sends only its new turn; the gateway keeps every turn (the
  client's messages, tool calls and results included, and each answer) in its
  store and sends the whole context to whichever provider serves, in that
  provider's model name. The mocks' journals are compared, JSON-equal, with the
  whole context the client's turns add up to. A context larger than a
  provider's window is never cut silently: the gateway leaves out whole turns,
  oldest first, keeping the system prompt and the newest turn, and says how
  many in x-failover-session-dropped-turns, or, when configured so, refuses
  with an error naming the sizes. One request at a time uses a session;
  sessions expire after their idle time, and a restarted gateway still has them.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary" as "gpt-4o-mini"
    And each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 20 calls in 10000 ms fail, for 5000 ms
    And the gateway keeps sessions in its store

  Scenario: a session continues on the secondary with its whole context, in the secondary's model name
    Given a session "trip-1" with a system prompt
    And provider "primary" fails every request with status 503 after 3 requests
    When the client talks in the session for "gpt-4o" for 6 turns
    Then all 6 responses have status 200
    And provider "secondary" received 3 requests
    And every request provider "primary" received held the session's whole context
    And every request provider "secondary" received held the session's whole context, with the model changed to "gpt-4o-mini"

  Scenario: a session goes through several failovers and failbacks with every turn intact
    Given a session "trip-2" with a system prompt
    And the client talks in the session for "gpt-4o" for 2 turns
    When provider "primary" fails every request with status 500
    And the client talks in the session for "gpt-4o" for 2 turns
    And provider "primary" recovers
    And the client talks in the session for "gpt-4o" for 2 turns
    And provider "primary" fails every request with a refused connection
    And the client talks in the session for "gpt-4o" for 1 turn
    Then every response has status 200
    And provider "secondary" received 3 requests
    And every request provider "secondary" received held the session's whole context, with the model changed to "gpt-4o-mini"
    And every request provider "primary" received held the session's whole context

  Scenario: tool calls and tool results in a session's turns reach the secondary unchanged
    Given a session "weather-1" with a system prompt
    And the session's first turn carries a tool call and its result
    And provider "primary" fails every request with a timeout
    And each attempt times out after 150 ms
    When the client talks in the session for "gpt-4o" for 3 turns
    Then all 3 responses were served by "secondary"
    And every request provider "secondary" received held the session's whole context, with the model changed to "gpt-4o-mini"

  @requires-streaming
  Scenario: streamed answers join the session's context as their text
    Given a session "stream-1" with a system prompt
    And provider "primary" fails every request with status 503 after 2 requests
    When the client talks in the session for "gpt-4o" for 4 streamed turns
    Then every response has status 200
    And every request provider "primary" received held the session's whole context
    And every request provider "secondary" received held the session's whole context, with the model changed to "gpt-4o-mini"

  Scenario: a restarted gateway continues the session with every turn from before the restart
    Given a session "trip-3" with a system prompt
    And the client talks in the session for "gpt-4o" for 3 turns
    When the gateway restarts
    And the client talks in the session for "gpt-4o" for 3 turns
    Then every response has status 200
    And every request provider "primary" received held the session's whole context

  @requires-context-windows
  Scenario: a context larger than the secondary's window loses its oldest turns there, never its system prompt or newest turn
    Given the context windows of model "gpt-4o"'s chain are 100000 and 400 tokens
    And a session "long-1" with a system prompt and questions of 60 words
    And provider "primary" fails every request with status 503 after 2 requests
    When the client talks in the session for "gpt-4o" for 6 turns
    Then every response has status 200
    And every request provider "primary" received held the session's whole context
    And every request provider "secondary" received held the session's system prompt and its newest turns within 400 tokens, and the answers say how many turns were left out

  @requires-context-windows
  Scenario: configured to refuse, a context larger than every window is a context overflow naming the sizes
    Given a session's context that does not fit is an error
    And the context windows of model "gpt-4o"'s chain are 400 and 400 tokens
    And a session "long-2" with a system prompt and questions of 60 words
    When the client talks in the session for "gpt-4o" for 6 turns
    Then the response has status 400
    And the response is an OpenAI error with code "context_length_exceeded"
    And the error message mentions "tokens" and "400"
    And provider "primary" received 2 requests
    And every request provider "primary" received held the session's whole context

  Scenario: a second turn sent while the first is still answered is refused with 409
    Given a session "busy-1" with a system prompt
    And provider "primary" answers after 500 ms
    When the client sends two turns of the session for "gpt-4o" at once, the second once provider "primary" has the first
    Then the response has status 409
    And the response is an OpenAI error with code "session_busy"
    And provider "primary" received 1 request

  Scenario: configured to wait, a second turn sent while the first is answered follows it, with its answer in context
    Given a second request on a busy session waits its turn
    And a session "busy-2" with a system prompt
    And provider "primary" answers after 300 ms
    When the client sends two turns of the session for "gpt-4o" at once, the second once provider "primary" has the first
    Then every response has status 200
    And provider "primary" received the second turn with the first turn and its answer in its context

  Scenario: a session idle for twice its expiry is gone, and says so (300 ms of tolerance either way)
    Given sessions expire after 300 ms idle
    And a session "idle-1" with a system prompt
    And the client talks in the session for "gpt-4o" for 2 turns
    When 600 ms pass
    And the client talks in the session for "gpt-4o" for 1 turn
    Then the response has status 410
    And the response is an OpenAI error with code "session_expired"
    And provider "primary" received 2 requests
