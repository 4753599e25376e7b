@TC_R752_FAILOVER_009 @extended @requires-health-scoring
Feature: TC_R752_FAILOVER_009 Failover decided from several metrics, before the failure
  Case TC_R752_FAILOVER_009 verifies that the gateway judges a provider from
  several metrics at once (error rate, each failure weighted by its class, latency against the provider's own
  baseline, p95, the trend of latency and of errors, and the rate-limit headroom
  the provider reports) and moves traffic before a failure reaches a client: a
  provider whose latency climbs steadily is drained while every answer is still
  within the attempt timeout. Several metrics each short of its own threshold
  together move traffic; one noisy metric alone does not. Every drain is logged
  with the numbers that explain it.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And each attempt times out after 500 ms
    And the breaker opens when 50% of at least 10 calls in 3000 ms fail, for 5000 ms
    And health scoring drains a provider at a score of 0.4, from at least 10 samples in 3000 ms, against the mean latency of its first 5 answers, looking 2000 ms ahead
    And the health weights are 0.3 for the error rate, 0.15 for latency, 0.1 for p95, 0.3 for the latency trend, 0.05 for the error trend and 0.1 for headroom
    And the health thresholds are an error rate of 25%, latency at 2.0 times the baseline, p95 at 3.0 times the baseline and 90% of the rate limit used

  Scenario: a latency climbing towards the attempt timeout drains the primary before any request times out
    Given provider "primary" answers in 20 ms at first, slowing by 200 ms every second
    When the client keeps sending chat completions for "gpt-4o" every 20 ms for 3000 ms
    Then every response has status 200
    And provider "primary" received at least 10 requests
    And provider "primary" received no request once its latency had climbed to 500 ms
    And the last 5 responses were served by "secondary"

  Scenario: several metrics each short of its threshold together move traffic
    Given the health weights are 0.45 for the error rate, 0.15 for latency, 0.1 for p95, 0.15 for the latency trend, 0.05 for the error trend and 0.1 for headroom
    And provider "primary" fails 1 request in 5 with status 500
    And provider "primary" answers in 20 ms at first, slowing by 10 ms every second
    And provider "primary" reports 88 of 100 requests used in its rate limit
    When the client keeps sending chat completions for "gpt-4o" every 20 ms for 1500 ms
    Then every response has status 200
    And the last 5 responses were served by "secondary"

  @requires-health-api
  Scenario: a failure counts in the error rate as much as its class weighs
    Given model "gpt-4o-limited" is served by "limited" then "spare"
    And health scoring drains a provider at a score of 0.9, from at least 10 samples in 60000 ms, against the mean latency of its first 5 answers, looking 2000 ms ahead
    And the health weights are 1.0 for the error rate, 0 for latency, 0 for p95, 0 for the latency trend, 0 for the error trend and 0 for headroom
    And in the health error rate a rate limit counts 0.25 and a server error 1.0
    And provider "primary" fails 1 request in 8 with status 500
    And provider "limited" fails 1 request in 8 with status 429 with Retry-After 0
    When the client sends 40 chat completions for "gpt-4o"
    And the client sends 40 chat completions for "gpt-4o-limited"
    Then every response has status 200
    And the admin API scores "primary" of "gpt-4o" worse than "limited" of "gpt-4o-limited", each from at least 10 samples

  Scenario: one noisy metric alone does not move traffic
    Given provider "primary" fails 1 request in 5 with status 500
    And provider "primary" answers after 100 ms
    When the client keeps sending chat completions for "gpt-4o" every 20 ms for 1500 ms
    Then every response has status 200
    And provider "primary" received every request

  @requires-events
  Scenario: the drain is logged with the numbers that explain it
    Given provider "primary" answers in 20 ms at first, slowing by 200 ms every second
    When the client keeps sending chat completions for "gpt-4o" every 20 ms for 3000 ms
    Then the gateway's events explain the drain of "primary" for model "gpt-4o" by its health score
