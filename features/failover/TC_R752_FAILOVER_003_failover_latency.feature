@TC_R752_FAILOVER_003 @core
Feature: TC_R752_FAILOVER_003 Latency added by failover
  Case TC_R752_FAILOVER_003 measures what failover costs the client, for each way
  a primary fails. The baseline is the median latency of requests through the same
  gateway to a healthy provider of the same kind (a model of its own, so that its
  successes do not dilute the primary's failure rate). The first request served by the secondary must come within the baseline
  plus 50 ms when the primary fails fast (refused connection, immediate 500, a 429
  asking for longer than the gateway waits), and within the attempt timeout T plus
  50 ms when it hangs. Once the breaker is open, requests skip the primary and
  their median must stay within the baseline plus 10 ms. The bounds are generous
  for a noisy machine; the measured numbers are kept for the report.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And model "baseline" is served by "healthy" only
    And each provider gets 1 attempt per request
    And each attempt times out after 150 ms
    And the breaker opens when 100% of at least 3 calls in 10000 ms fail, for 10000 ms

  @serial
  Scenario Outline: failover after <failure> costs at most <bound> plus 50 ms, and nothing once the breaker is open
    Given the client has measured its baseline over 20 chat completions for "baseline"
    And provider "primary" fails every request with <failure>
    When the client sends a chat completion for "gpt-4o"
    Then the response was served by "secondary"
    And the response's latency is kept as "first_failover"
    And the response arrived within <bound>, with 50 ms of tolerance
    When the client sends 12 chat completions for "gpt-4o"
    Then all 12 responses were served by "secondary"
    And the responses that skipped "primary" arrived within the baseline at the median, with 10 ms of tolerance

    Examples:
      | failure                        | bound        |
      | a refused connection           | the baseline |
      | status 500                     | the baseline |
      | status 429 with Retry-After 30 | the baseline |
      | a timeout                      | 150 ms       |
