@TC_R752_FAILOVER_001 @core
Feature: TC_R752_FAILOVER_001 Detection of a failing primary provider
  Case TC_R752_FAILOVER_001 verifies that the gateway notices a primary provider
  that keeps failing, by errors or by latency past the attempt timeout, and moves
  the model's traffic to its secondary by the configured thresholds: once the
  breaker's minimum number of calls has failed at its failure rate, the primary
  gets no further requests for at least its open period. Below the threshold the
  primary keeps its traffic.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 4 calls in 10000 ms fail, for 5000 ms

  Scenario Outline: persistent server errors move <requests> to the secondary within the minimum call count
    Given provider "primary" fails every request with status 500
    When the client sends 12 <requests> for "gpt-4o"
    Then all 12 responses have status 200
    And all 12 responses were served by "secondary"
    And provider "primary" received at most 4 requests
    And provider "secondary" received 12 requests

    Examples:
      | requests            |
      | chat completions    |
      | embeddings requests |

  Scenario: latency past the attempt timeout counts as failure
    Given each attempt times out after 500 ms
    And provider "primary" answers after 3000 ms
    When the client sends 10 chat completions for "gpt-4o"
    Then all 10 responses have status 200
    And all 10 responses were served by "secondary"
    And provider "primary" received at most 4 requests
    And every response in the latest step arrived within 500 ms, with 500 ms of tolerance

  Scenario: an error rate below the threshold keeps traffic on the primary
    Given provider "primary" fails 1 request in 5 with status 503
    When the client sends 20 chat completions for "gpt-4o"
    Then all 20 responses have status 200
    And provider "primary" received 20 requests
    And at least 80% of the responses were served by "primary"

  @requires-events
  Scenario: the failover decision is logged with the numbers behind it
    Given provider "primary" fails every request with status 503
    When the client sends 6 chat completions for "gpt-4o"
    Then all 6 responses were served by "secondary"
    And the gateway's events show the breaker of "primary" for model "gpt-4o" opening at a failure rate of at least 50% over at least 4 calls
    And the gateway's events show requests for model "gpt-4o" skipping "primary"
