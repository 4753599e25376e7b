@MONITORING_FIRE_DRILLS @extended @requires-drills
Feature: Fire drills prove that the fallbacks take over
  Monitoring practice does not wait for an outage to learn whether failover
  works: it fails a provider on purpose, for a while, and watches. An
  operator starts a drill through `POST /admin/drills` (or the config
  schedules one with a cron expression): the gateway fails the drilled
  provider's attempts itself, without sending them, until the drill ends by
  itself; `GET /admin/drills/{id}` reports the requests during the drill,
  those served by a fallback, the failures clients saw and how long the
  take-over took.

  Bounds: the report is read within 1000 ms of the drill's end; the
  take-over (the drill's start to the first request a fallback served) is
  within 200 ms, with the client sending every 20 ms. The run's tolerance
  factor multiplies both.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 4 calls in 2000 ms fail, for 200 ms

  Scenario: a drill on the primary is taken over by the secondary, with no failure a client sees, and ends by itself
    When the client sends 5 chat completions for "gpt-4o"
    And the operator starts a drill of "primary" failing with server_error for 500 ms
    And the client keeps sending chat completions for "gpt-4o" every 20 ms for 1500 ms
    Then every response has status 200
    And provider "primary" received no request while the drill ran
    And within 1000 ms the drill's report shows every request during it served by a fallback, none failed, the take-over within 200 ms
    And the last 5 responses were served by "primary"

  Scenario: a drill of timeouts is taken over too
    Given each attempt times out after 100 ms
    When the client sends 5 chat completions for "gpt-4o"
    And the operator starts a drill of "primary" failing with timeout for 500 ms
    And the client keeps sending chat completions for "gpt-4o" every 20 ms for 800 ms
    Then every response has status 200
    And provider "primary" received no request while the drill ran
    And within 1000 ms the drill's report shows every request during it served by a fallback, none failed, the take-over within 200 ms

  Scenario: a drill scheduled by cron runs by itself
    Given a drill of "primary" failing with connection_failed for 300 ms is scheduled by the cron expression "* * * * * *"
    When the client keeps sending chat completions for "gpt-4o" every 20 ms for 2500 ms
    Then every response has status 200
    And the gateway lists a finished scheduled drill of "primary" whose report shows every request during it served by a fallback, none failed, the take-over within 200 ms
