@TC_R752_FAILOVER_005 @core
Feature: TC_R752_FAILOVER_005 Conversation history across failover
  Case TC_R752_FAILOVER_005 verifies that a multi-turn chat survives its primary
  failing mid-conversation. The client keeps the history and sends all of it with
  every turn; the secondary must receive the complete messages array (system
  prompt, earlier turns, tool calls and tool results), JSON-equal to what the
  client sent, and the conversation continues on it with later turns complete too.
  Parameters that change the answer reach the secondary unchanged; where the chain
  maps the model name for the secondary, only the model field differs.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 4 calls in 10000 ms fail, for 5000 ms

  Scenario Outline: a <length> conversation continues on the secondary with its whole history
    Given a conversation with a system prompt and <turns> earlier turns
    And provider "primary" fails every request with status 503 after 2 requests
    When the client continues the conversation for "gpt-4o" for 5 turns
    Then all 5 responses have status 200
    And provider "primary" received each request exactly as the client sent it
    And provider "secondary" received each request exactly as the client sent it
    And provider "secondary" received 3 requests

    Examples:
      | length | turns |
      | short  | 1     |
      | long   | 150   |

  Scenario: tool calls and tool results survive the failover
    Given a conversation with a system prompt, 3 earlier turns and a tool call with its result
    And provider "primary" fails every request with a refused connection
    When the client continues the conversation for "gpt-4o" for 3 turns
    Then all 3 responses were served by "secondary"
    And provider "secondary" received each request exactly as the client sent it

  Scenario: parameters that change the answer reach the secondary unchanged
    Given a conversation with a system prompt and 2 earlier turns
    And the conversation sets temperature, max_tokens, tools and a response format
    And each attempt times out after 150 ms
    And provider "primary" fails every request with a timeout
    When the client continues the conversation for "gpt-4o" for 2 turns
    Then all 2 responses were served by "secondary"
    And provider "secondary" received each request exactly as the client sent it

  Scenario: a chain entry that maps the model changes only the model field of the conversation
    Given model "gpt-4o" is served by "primary" then "secondary" as "gpt-4o-mini"
    And a conversation with a system prompt, 2 earlier turns and a tool call with its result
    And the conversation sets temperature, max_tokens, tools and a response format
    And provider "primary" fails every request with status 500
    When the client continues the conversation for "gpt-4o" for 2 turns
    Then all 2 responses were served by "secondary"
    And provider "secondary" received the client's requests with only the model changed to "gpt-4o-mini"
