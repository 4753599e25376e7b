@MONITORING_FALLBACK_RATE @extended @requires-fallback-rate @requires-metrics
Feature: The fallback activation rate and its alert levels
  Monitoring practice watches the fallback activation rate: the share of a
  model's requests, over a sliding window, that the first provider of its
  chain did not serve. Below 1 % the chain is healthy, from 1 % to 5 % it is
  worth a warning, above 5 % an alert. The gateway exposes the rate and its
  level in its metrics and logs each change of level.

  The primary fails one request in N, each failure served by the secondary,
  so the rate is known exactly: 2, 12 and 33 fallbacks in 400 requests. The
  breaker never opens at these rates.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 4 calls in 10000 ms fail, for 5000 ms
    And the fallback activation rate is watched over 60000 ms, with a warning from 1% and an alert above 5%, once 100 requests are in

  Scenario: 0.5 % of requests falling back is healthy
    Given provider "primary" fails 1 request in 200 with status 500
    When the client sends 400 chat completions for "gpt-4o"
    Then every response has status 200
    And the metrics show a fallback activation rate of 0.5% for "gpt-4o", at level healthy

  @requires-events
  Scenario: 3 % of requests falling back is a warning, and the change is logged
    Given provider "primary" fails 1 request in 33 with status 500
    When the client sends 400 chat completions for "gpt-4o"
    Then every response has status 200
    And the metrics show a fallback activation rate of 3% for "gpt-4o", at level warning
    And the gateway's events show the fallback activation rate of "gpt-4o" going from healthy to warning

  @requires-events
  Scenario: 8.25 % of requests falling back is an alert, and the change is logged
    Given provider "primary" fails 1 request in 12 with status 500
    When the client sends 400 chat completions for "gpt-4o"
    Then every response has status 200
    And the metrics show a fallback activation rate of 8.25% for "gpt-4o", at level alert
    And the gateway's events show the fallback activation rate of "gpt-4o" going from healthy to alert
