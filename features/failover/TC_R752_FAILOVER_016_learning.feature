@TC_R752_FAILOVER_016 @extended @requires-analytics @requires-learning
Feature: TC_R752_FAILOVER_016 The gateway learns its breaker settings from its failover episodes
  Case TC_R752_FAILOVER_016 asks for analytics that learn. Learning is
  opt-in and bounded: `policy.learning` names which breaker settings may
  change and between which values. From the recorded episodes the gateway
  adjusts them: a provider whose outages always outlast the open period is
  probed later (a longer open period) and detected with fewer calls. Every
  change is a `threshold_adjusted` event with the value before and after,
  the bounds and the evidence (how many episodes, their median duration);
  `/admin/analytics` shows the settings in force, and a restarted gateway
  resumes with what it learned from its store.

  Bounds: the primary fails for 400 ms of every 1000 ms while the client
  sends a request every 20 ms. Before learning, the breaker opens for 20 ms
  each time, so every outage costs the detection (4 to 5 requests) plus a
  failed probe every 20 to 40 ms until the outage ends (about 7 more); each
  of those requests reaches the failing primary before the secondary serves
  it (measured: 12 to 13). Once the open period is learned from the median
  outage (about 420 to 460 ms), the first probe comes after the outage and
  an outage costs the detection alone (measured: 5 to 6, also with both
  cores of a 2-core machine busy). The scenario allows the last two outages
  up to 70 % of the costliest of the first three: the very first can be
  cheaper, as it starts on an empty breaker window (seen once: 6).
  Learning must have acted within three episodes.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 4 calls in 200 ms fail, for 20 ms each time
    And the gateway keeps its episodes in a new store
    And provider "primary" fails every request with status 503 for 400 ms out of every 1000 ms

  Scenario: once the gateway has learned the outages' length, an outage costs clients fewer slowed requests than before
    Given the gateway may learn open_ms between 20 and 1000
    And the gateway may learn min_calls between 2 and 4
    When the client keeps sending chat completions for "gpt-4o" every 20 ms until the analytics list 5 episodes of "primary", within 8000 ms
    Then every response has status 200
    And the gateway adjusted open_ms of "primary" for "gpt-4o" from 20 to between 380 and 1000, explained by its episodes
    And the gateway adjusted min_calls of "primary" for "gpt-4o" from 4 to between 2 and 2, explained by its episodes
    And the last 2 outages of "primary" cost on average at most 70% of the requests the costliest of its first 3 cost

  Scenario: learning stays within its bounds, and a restarted gateway resumes with what it learned
    Given the gateway may learn open_ms between 20 and 150
    And the gateway may learn min_calls between 3 and 4
    When the client keeps sending chat completions for "gpt-4o" every 20 ms until the analytics list 3 episodes of "primary", within 6000 ms
    Then every response has status 200
    And the gateway adjusted open_ms of "primary" for "gpt-4o" from 20 to between 150 and 150, explained by its episodes
    And the gateway adjusted min_calls of "primary" for "gpt-4o" from 4 to between 3 and 3, explained by its episodes
    And the analytics show half_open_probes of "primary" for "gpt-4o" in force at 1
    When the gateway restarts
    Then the analytics show open_ms of "primary" for "gpt-4o" in force at 150
    And the analytics show min_calls of "primary" for "gpt-4o" in force at 3
