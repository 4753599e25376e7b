@MONITORING_DASHBOARD @extended @requires-dashboard
Feature: The dashboard shows a provider failing as it happens
  The gateway's dashboard at `GET /admin/dashboard` is fed by
  `GET /admin/dashboard/stream`: server-sent events behind the admin token,
  one `snapshot` at least every 250 ms with every provider's state and
  health, the fallback activation rates, the drills, and the decisions
  logged since the previous snapshot. The suite watches the stream while a
  fault is injected: the provider's new state and the breaker's decision
  must reach it without a reload or a new request.

  Bounds: a snapshot every 250 ms shows the breaker's opening at most 250 ms
  after it happened; the scenario allows 750 ms from the start of the
  request that opened it, a frozen or polled-by-hand page would never show it.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 100% of at least 3 calls in 10000 ms fail, for 60000 ms

  Scenario: a breaker that opens reaches the dashboard's stream within a snapshot period, with its decision
    Given provider "primary" fails every request with status 500
    When the dashboard stream is being watched
    And the client sends 3 chat completions for "gpt-4o"
    Then every response has status 200
    And the dashboard stream showed "primary" of "gpt-4o" open within 750 ms of the last request, with the breaker's decision
