@TC_R752_FAILOVER_002 @core
Feature: TC_R752_FAILOVER_002 Selection of the configured secondary provider
  Case TC_R752_FAILOVER_002 verifies that when the primary provider fails, the
  gateway switches to the secondary configured for that model in its provider
  chain (backend_map), in chain order, and that the secondary receives the
  client's request intact, with its own API key. The client sees a normal
  answer.

  Background:
    Given each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 4 calls in 10000 ms fail, for 5000 ms

  Scenario Outline: <requests> fail over to the secondary when the primary fails with <fault>
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each attempt times out after 150 ms
    And provider "primary" fails every request with <fault>
    When the client sends 3 <requests> for "gpt-4o"
    Then all 3 responses have status 200
    And all 3 responses were served by "secondary"
    And provider "secondary" received each request exactly as the client sent it
    And provider "secondary" was always called with its own API key

    Examples:
      | requests            | fault                |
      | chat completions    | status 503           |
      | embeddings requests | status 503           |
      | chat completions    | a refused connection |
      | embeddings requests | a refused connection |
      | chat completions    | a timeout            |

  Scenario: the secondary is chosen before the third provider of the chain
    Given model "gpt-4o" is served by "primary" then "secondary" then "tertiary"
    And provider "primary" fails every request with status 500
    When the client sends 5 chat completions for "gpt-4o"
    Then all 5 responses were served by "secondary"
    And provider "tertiary" received no requests

  Scenario: the third provider serves when the first two fail
    Given model "gpt-4o" is served by "primary" then "secondary" then "tertiary"
    And provider "primary" fails every request with status 500
    And provider "secondary" fails every request with a refused connection
    When the client sends 5 chat completions for "gpt-4o"
    Then all 5 responses have status 200
    And all 5 responses were served by "tertiary"

  Scenario: a chain entry that maps the model name changes only the model field
    Given model "gpt-4o" is served by "primary" then "secondary" as "gpt-4o-mini"
    And provider "primary" fails every request with status 502
    When the client sends 2 chat completions for "gpt-4o"
    Then all 2 responses were served by "secondary"
    And provider "secondary" received the client's requests with only the model changed to "gpt-4o-mini"

  Scenario: intermittent primary failures never reach the client
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 2 attempts per request with backoff between 1 ms and 5 ms
    And provider "primary" fails 30% of requests with status 503, seeded 42
    When the client sends 30 chat completions for "gpt-4o"
    Then all 30 responses have status 200
