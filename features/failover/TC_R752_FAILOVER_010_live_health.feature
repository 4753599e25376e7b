@TC_R752_FAILOVER_010 @extended @requires-health-api @requires-health-scoring
Feature: TC_R752_FAILOVER_010 Every provider's health, live
  Case TC_R752_FAILOVER_010 verifies that an operator can see, at any moment,
  how every provider of every chain is doing: `GET /admin/providers` lists
  each with its breaker state and since when, its health score with each
  metric, error rate, p50 and p95 latency, and its latest failure. The gateway
  probes every provider itself, so a provider no client is using still has a
  current health, and a provider that comes back is found out by a probe
  rather than by a client's request. A provider that degrades is warned about
  before it is drained. The admin API takes a bearer token and never shows it.

  Bounds: each "within" is how long after the fault (or the traffic) the
  listing must show it, polled every 20 ms; the run's tolerance factor
  multiplies it. The probes run every 20 ms and the health window is 1000 ms,
  so every bound is several windows' worth of probes away from the failure.

  Background:
    Given each provider gets 1 attempt per request
    And each attempt times out after 1000 ms
    And the breaker opens when 50% of at least 4 calls in 2000 ms fail, for 200 ms
    And health scoring drains a provider at a score of 0.9, from at least 5 samples in 1000 ms, against the mean latency of its first 3 answers, looking 2000 ms ahead
    And the health weights are 0.5 for the error rate, 0.15 for latency, 0.1 for p95, 0.1 for the latency trend, 0.05 for the error trend and 0.1 for headroom

  @requires-active-probes
  Scenario: every provider is listed with its state and health, whether clients use it or not
    Given model "gpt-4o" is served by "primary" then "secondary" then "standby"
    And the gateway probes every chain entry every 20 ms
    And provider "primary" fails every request with status 500
    When the client sends 6 chat completions for "gpt-4o"
    Then within 1000 ms the admin API shows, for model "gpt-4o":
      | provider  | state            | last failure | samples |
      | primary   | open or half_open | server_error | 5       |
      | secondary | closed           | none         | 5       |
      | standby   | closed           | none         | 5       |
    And every response has status 200
    And provider "standby" received no requests
    And the gateway probed provider "standby" at least 5 times

  @requires-active-probes
  Scenario: three providers failing in different ways each show their own failure, ordered by score
    Given model "gpt-4o" is served by "resets" then "limited" then "slow" then "healthy"
    And the gateway probes every chain entry every 20 ms
    When the admin API shows a baseline latency for every provider of "gpt-4o", within 2000 ms
    And provider "resets" fails every request with a reset before answering
    And provider "limited" fails every request with status 429 with Retry-After 1
    And provider "slow" answers after 300 ms
    Then within 1500 ms the admin API shows, for model "gpt-4o":
      | provider | last failure      | rank |
      | resets   | connection_failed | 1    |
      | limited  | rate_limited      | 1    |
      | slow     | none              | 2    |
      | healthy  | none              | 3    |

  @requires-active-probes
  Scenario: a provider that comes back is found out by probes, not by clients' requests
    Given model "gpt-4o" is served by "primary" then "secondary"
    And the gateway probes every chain entry every 20 ms
    And provider "primary" fails every request with status 500
    When the client keeps sending chat completions for "gpt-4o" every 20 ms for 1000 ms
    And provider "primary" recovers
    And the client keeps sending chat completions for "gpt-4o" every 20 ms for 1500 ms
    Then every response has status 200
    And provider "primary" was seen failing, and failed at most 4 client requests
    And the last 5 responses were served by "primary"

  @requires-health-warnings @requires-events
  Scenario: a degrading provider is warned about before it is drained and before any client sees a failure
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each attempt times out after 500 ms
    And health scoring drains a provider at a score of 0.4, from at least 10 samples in 3000 ms, against the mean latency of its first 5 answers, looking 2000 ms ahead
    And the health weights are 0.3 for the error rate, 0.15 for latency, 0.1 for p95, 0.3 for the latency trend, 0.05 for the error trend and 0.1 for headroom
    And health warnings are raised at a score of 0.2
    And provider "primary" answers in 20 ms at first, slowing by 200 ms every second
    When the client keeps sending chat completions for "gpt-4o" every 20 ms for 3000 ms
    Then every response has status 200
    And the gateway warned about "primary" of model "gpt-4o" before draining it

  Scenario: the admin API needs its token and never shows it
    Given model "gpt-4o" is served by "primary" then "secondary"
    And provider "primary" fails every request with status 500
    When the client sends 6 chat completions for "gpt-4o"
    Then the admin API turns away a request without its token or with a wrong one
    And no answer of the admin API shows its token
