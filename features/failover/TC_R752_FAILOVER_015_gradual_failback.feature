@TC_R752_FAILOVER_015 @extended @requires-gradual-failback @requires-events
Feature: TC_R752_FAILOVER_015 Gradual failback with validation
  Case TC_R752_FAILOVER_015 verifies that a recovered primary earns its traffic
  back in validated steps instead of all at once: `gradual` through rising
  shares, `canary` through one small share, `blue_green` through probe traffic
  alone. Each share is held for its stated time and must show its stated
  number of calls with no more errors than allowed before the next; a step
  that fails sends the share back to 0 and the next open period is longer. A
  provider that only partly recovered never gets all of its traffic back, and
  one that goes up, down and up again restarts its ramp from the first share
  only after the longer open period.

  Bounds: the holds, counts and open periods are the gateway's own decisions,
  compared on its own clock (the `at_ms` of its events): they are exact, with
  no tolerance. The share each step actually gave the primary is counted from
  which mock answered each request, and must lie within the two-sided
  binomial bound of the step's share at the confidence each scenario states
  (99.99 %: a correct gateway fails it about once in ten thousand steps).

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 2 calls in 10000 ms fail, for 300 ms
    And a half-open breaker admits 1 probe, each given at most 1000 ms

  Scenario Outline: a recovered primary earns its traffic back through a <strategy>, one validated share at a time
    Given <failback>
    And provider "primary" fails every request with status 503
    When the client sends 2 chat completions for "gpt-4o"
    And provider "primary" recovers
    And the client keeps sending chat completions for "gpt-4o" every 2 ms until 20 in a row are served by "primary", within 15000 ms
    Then every response has status 200
    And the failback of "primary" for "gpt-4o" rose through <shares> percent, each share held at least 250 ms and validated on at least 10 calls
    And at each share below 100 percent, the requests "primary" served for "gpt-4o" lie within the share's 99.99% binomial bound

    Examples:
      | strategy     | failback                                                                                                                   | shares                 |
      | gradual ramp | traffic fails back gradually through 10, 25, 50 and 100 percent, each share held 250 ms and validated on 10 calls with at most 0% errors | 10, 25, 50 and 100 |
      | canary       | traffic fails back through a canary of 20 percent, held 250 ms and validated on 10 calls with at most 0% errors           | 20 and 100             |

  @requires-active-probes
  Scenario: blue-green: no client request reaches the recovered primary until its probe traffic is validated, then all do
    Given the gateway probes every chain entry every 20 ms
    And traffic fails back blue-green after 250 ms of probe traffic, validated on 10 calls with at most 0% errors
    And provider "primary" fails every request with status 503
    When the client sends 2 chat completions for "gpt-4o"
    And provider "primary" recovers
    And the client keeps sending chat completions for "gpt-4o" every 2 ms until 20 in a row are served by "primary", within 15000 ms
    Then every response has status 200
    And the failback of "primary" for "gpt-4o" rose through 0 and 100 percent, each share held at least 250 ms and validated on at least 10 calls
    And at each share below 100 percent, the requests "primary" served for "gpt-4o" lie within the share's 99.99% binomial bound

  Scenario: partial recovery: a primary still failing 1 request in 5 never gets all of its traffic back, and waits longer each time
    Given the breaker opens when 50% of at least 2 calls in 10000 ms fail, for 100 ms
    And the breaker's open period grows to at most 400 ms
    And traffic fails back gradually through 10, 25, 50 and 100 percent, each share held 100 ms and validated on 8 calls with at most 5% errors
    And provider "primary" fails every request with status 503
    When the client sends 2 chat completions for "gpt-4o"
    And provider "primary" fails 1 request in 5 with status 503
    And the client keeps sending chat completions for "gpt-4o" every 2 ms for 3000 ms
    Then every response has status 200
    And no failback of "primary" for "gpt-4o" completed: at least 2 ramps failed, each reopening the breaker for longer than the one before, up to 400 ms

  Scenario: intermittent recovery: up, down, up restarts the ramp from its first share only after a longer open period
    Given traffic fails back gradually through 10, 50 and 100 percent, each share held 200 ms and validated on 8 calls with at most 0% errors
    And provider "primary" fails in the pattern "xx.........x" with status 503 once, then recovers
    When the client keeps sending chat completions for "gpt-4o" every 2 ms until 20 in a row are served by "primary", within 15000 ms
    Then every response has status 200
    And a failback of "primary" for "gpt-4o" failed, reopening for longer than 300 ms, and restarted from its first share only after that open period, then completed
    And provider "primary" received no request sooner than 300 ms after a failed one, once it had failed 2 requests

  @requires-health-api
  Scenario: while the ramp runs, the provider listing shows the primary ramping at its share
    Given traffic fails back through a canary of 20 percent, held 60000 ms and validated on 1 calls with at most 0% errors
    And provider "primary" fails every request with status 503
    When the client sends 2 chat completions for "gpt-4o"
    And provider "primary" recovers
    And the client keeps sending chat completions for "gpt-4o" every 5 ms until provider "primary" has received 4 requests, within 5000 ms
    Then the gateway lists "primary" for "gpt-4o" as ramping at 20 percent
