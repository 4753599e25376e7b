@TC_R752_FAILOVER_008 @core
Feature: TC_R752_FAILOVER_008 Failback to the recovered primary
  Case TC_R752_FAILOVER_008 verifies that once the primary provider recovers, the
  model's traffic returns to it, but only after it has been left alone for the
  configured open period (the stable period): no request reaches the primary
  sooner than that after a request it failed, and after recovery all requests
  return to it within the open period plus a stated tolerance. A probe that
  never answers is timed out when its time is up, not when some later request
  happens to arrive.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 2 calls in 10000 ms fail, for 600 ms
    And a half-open breaker admits 1 probe, each given at most 1000 ms
    And traffic fails back at once, without a ramp

  Scenario Outline: <requests> return to the recovered primary after its open period, not before
    Given provider "primary" fails every request with status 503
    When the client sends 4 <requests> for "gpt-4o"
    Then all 4 responses were served by "secondary"
    When provider "primary" recovers
    And the client keeps sending <requests> for "gpt-4o" every 20 ms until 5 in a row are served by "primary", within 1600 ms
    Then every response has status 200
    And provider "primary" received no request sooner than 600 ms after a failed one, once it had failed 2 requests

    @S15
    Examples:
      | requests            |
      | chat completions    |
      | embeddings requests |

    @S15 @requires-streaming
    Examples:
      | requests                  |
      | streamed chat completions |

  Scenario: a primary still failing when probed stays out for another open period
    Given provider "primary" fails every request with status 503
    When the client sends 2 chat completions for "gpt-4o"
    And the client keeps sending chat completions for "gpt-4o" every 20 ms for 1500 ms
    Then every response has status 200
    And every response was served by "secondary"
    And provider "primary" received no request sooner than 600 ms after a failed one, once it had failed 2 requests
    And provider "primary" received at most 5 requests

  @requires-events
  Scenario: the failback decision is logged
    Given provider "primary" fails every request with status 503
    When the client sends 2 chat completions for "gpt-4o"
    And provider "primary" recovers
    And the client keeps sending chat completions for "gpt-4o" every 20 ms until 3 in a row are served by "primary", within 1600 ms
    Then the gateway's events show a failback to "primary" for model "gpt-4o"

  @requires-events
  Scenario: a probe that never answers is timed out at its deadline, whether or not another request comes
    Given each attempt times out after 1000 ms
    And a half-open breaker admits 1 probe, each given at most 100 ms
    And provider "primary" fails the next 2 requests with status 503, then every request with a timeout
    When the client sends 2 chat completions for "gpt-4o"
    And the client keeps sending chat completions for "gpt-4o" every 50 ms until provider "primary" has received 3 requests, within 2500 ms
    Then every response has status 200
    And the gateway's events show the probe of "primary" for model "gpt-4o" timed out within 100 ms of entering half-open, with 300 ms of tolerance
