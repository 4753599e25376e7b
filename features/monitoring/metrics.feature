@MONITORING_METRICS @extended @requires-metrics
Feature: Prometheus metrics count what the clients saw
  The gateway serves `GET /metrics` in Prometheus's text exposition format:
  requests by model, provider that served and outcome; failovers by model,
  provider left and failure class; the state of every breaker; the health
  score of every provider; the request duration as a histogram. The suite
  scrapes it as Prometheus would and parses it.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 100% of at least 3 calls in 10000 ms fail, for 60000 ms

  Scenario: requests, failovers, breaker states and durations are counted as they happened
    Given provider "primary" fails every request with status 500
    When the client sends 8 chat completions for "gpt-4o"
    Then every response has status 200
    And the metrics count 8 requests for "gpt-4o" served by "secondary" with outcome served
    And the metrics count 0 requests for "gpt-4o" served by "primary" with outcome served
    And the metrics count 3 failovers for "gpt-4o" from "primary" after server_error
    And the metrics show the breaker of "primary" for "gpt-4o" open and that of "secondary" closed
    And the metrics count 8 request durations for "gpt-4o"

  @requires-health-scoring
  Scenario: every provider's health score is a metric
    Given health scoring drains a provider at a score of 0.9, from at least 5 samples in 10000 ms, against the mean latency of its first 2 answers, looking 2000 ms ahead
    And provider "primary" fails 1 request in 2 with status 500
    When the client sends 6 chat completions for "gpt-4o"
    Then the metrics show a health score of at least 0.3 for "primary" of "gpt-4o" and below 0.1 for "secondary"
