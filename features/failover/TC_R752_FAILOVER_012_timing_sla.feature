@TC_R752_FAILOVER_012 @extended @requires-events
Feature: TC_R752_FAILOVER_012 Failover timing SLAs and warm connections
  Case TC_R752_FAILOVER_012 verifies how fast each failover happens, measured
  per failover: detection, from the failing provider's failed answer to the
  gateway's decision to leave it, under 100 ms; routing update, from that
  decision to the request's arrival at the fallback, under 50 ms; and the
  time to the first successful answer, reported. It also verifies that the
  gateway keeps warm connections to its standby provider, so that the first
  request after a failover opens no new connection.

  Bounds: the failed answer and the fallback's arrival are stamped by the mock
  providers, on the suite's clock; the decision is the gateway's `failover`
  event, on its own clock. The offset between the two clocks is bounded by the
  requests themselves (the gateway received each no sooner than the client
  sent it, and finished it no later than the client had its answer), and each
  bound is widened by that alignment's uncertainty, reported as
  `clock_alignment`. The connections are counted by the mock as it accepts
  them: the check is exact. The first fallback answer's latency is bounded by
  twice the median of the warm answers before it, plus 50 ms for a busy
  machine's scheduling (a connection opened on the loopback costs far less:
  the count, not the latency, tells a cold connection). That scenario times
  one request, so it runs alone (`@serial`): another scenario's burst must
  not stand in its figure.

  Resources: the gateway's open descriptors and resident memory are read from
  `/proc` before, during and after a storm of failovers, each time after the
  same load (20 requests at a time) has run, both providers' connections
  pooled. "After" may exceed "before" by at most 80 descriptors (a pool may
  grow past the 20 requests at a time while connections are handed back: 20
  more to each provider, counted at both ends when the mocks share the
  process) and 48 MiB; over the 1,800 requests from "before" to "after", a
  gateway that keeps one descriptor per request exceeds it twenty times over,
  one that keeps 64 KiB twice over. The bundled gateway runs inside the
  suite's process, so the figures include the suite's own, and freed memory
  is handed back to the system before each sample; the scenario runs alone
  (`@serial`).

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request
    And the breaker opens when 50% of at least 10 calls in 10000 ms fail, for 5000 ms

  Scenario Outline: each failover is decided within 100 ms of the failed answer and reaches the fallback within 50 ms (<fault>)
    Given provider "primary" fails every request with <fault>
    When the client sends 10 chat completions for "gpt-4o"
    Then every response has status 200
    And every failover of "gpt-4o" from "primary" to "secondary" was decided within 100 ms of the failed answer and reached the fallback within 50 ms of the decision

    Examples:
      | fault                    |
      | status 503               |
      | a reset before answering |

  @requires-prewarm @serial
  Scenario: the first request after a failover finds a warm connection to the secondary
    Given the gateway keeps 1 warm connection to every provider, refreshed every 60000 ms
    When the gateway has warmed its connection to "secondary", within 2000 ms
    And the client sends 10 chat completions for "gpt-4o"
    And provider "primary" fails every request with status 503
    And the client sends 5 chat completions for "gpt-4o"
    Then every response has status 200
    And provider "secondary" accepted no new connection for its first request once "primary" began failing
    And the first response served by "secondary" arrived within twice the median of the first 10 responses, plus 50 ms

  @requires-load @serial
  Scenario: open descriptors and memory return to their level after a failover storm
    Given the breaker opens when 50% of at least 10 calls in 200 ms fail, for 100 ms
    When the client sends 300 chat completions for "gpt-4o", 20 at a time
    And provider "primary" fails every request with a reset before answering
    And the client sends 300 chat completions for "gpt-4o", 20 at a time
    And provider "primary" recovers
    And the client sends 300 chat completions for "gpt-4o", 20 at a time
    And the gateway's open descriptors and memory are sampled as "before"
    And provider "primary" fails every request with a reset before answering
    And the client sends 1500 chat completions for "gpt-4o", 20 at a time
    And the gateway's open descriptors and memory are sampled as "during"
    And provider "primary" recovers
    And the client sends 300 chat completions for "gpt-4o", 20 at a time
    And the gateway's open descriptors and memory are sampled as "after"
    Then every request sent under load was served
    And at "after" the gateway held at most 80 more open descriptors and 48 MiB more memory than at "before"
