@TC_R752_FAILOVER_013 @extended @requires-regions
Feature: TC_R752_FAILOVER_013 Regions and latency-aware routing
  Case TC_R752_FAILOVER_013 verifies that providers carry a region and that,
  among healthy providers of equal priority, the gateway prefers the one it
  observes answering fastest, without flapping between two that are about as
  fast; that a whole region failing at once moves traffic to the next region
  without trying the rest of the failing region one by one; and that traffic
  returns to the nearer region once it has recovered.

  Each mock provider answers after its region's delay. The gateway measures
  each provider by the fastest of its first few answers (the first pay for
  connection set-up; one may be held up by a busy machine), then leads with
  the fastest; another leads only when faster by the stated margin.

  Bounds: the delays are injected sleeps, so a provider never answers sooner
  than its region's delay; the latency cost of the farther region (the
  difference of the two regions' medians) is checked as at least half the
  difference of their delays, for a busy machine's scheduling raises the
  nearer region's median more than the farther one's, and the measured cost
  goes into the report. The no-flapping scenario allows the two changes of
  provider the measuring of both takes, and no more. The delays differ by far
  more than a busy machine's scheduling noise, and the margin is 50%, so one
  answer the machine held up does not pass the lead on its own: with the
  newest answer weighing 0.2, 40 ms on average reaches 80 ms only on an
  answer slower than 240 ms.

  Background:
    Given each provider gets 1 attempt per request
    And among providers of equal priority the fastest leads, measured on 3 answers each and overtaken only by one 50% faster

  Scenario: among providers of equal priority, the one in the nearest region serves once both are measured
    Given provider "far" is in region "eu-west", 100 ms away
    And provider "near" is in region "us-east", 5 ms away
    And model "gpt-4o" is served by "far" or "near"
    When the client sends 46 chat completions for "gpt-4o"
    Then every response has status 200
    And the last 40 responses were served by "near"
    And serving from region "eu-west" instead of "us-east" cost clients at least 47 ms at the median

  @requires-active-probes
  Scenario: two regions about as fast do not make traffic alternate between them
    Given provider "east" is in region "us-east", 40 ms away
    And provider "west" is in region "us-west", 40 ms away
    And model "gpt-4o" is served by "east" or "west"
    And the gateway probes every chain entry every 10 ms
    When the client keeps sending chat completions for "gpt-4o" every 2 ms for 2000 ms
    Then every response has status 200
    And the serving provider changed at most 2 times

  Scenario: a whole region failing moves traffic to the next region without trying its providers one by one, and traffic returns once it recovers
    Given provider "east-1" is in region "us-east", 5 ms away
    And provider "east-2" is in region "us-east", 25 ms away
    And provider "east-3" is in region "us-east", 45 ms away
    And provider "west" is in region "eu-west", 100 ms away
    And model "gpt-4o" is served by "east-1" or "east-2" or "east-3" then "west"
    And the breaker opens when 50% of at least 4 calls in 10000 ms fail, for 3000 ms
    And a region is taken out when 2 of its providers fail within 1000 ms
    When the client sends 9 chat completions for "gpt-4o"
    And provider "east-1" fails every request with status 503
    And provider "east-2" fails every request with status 503
    And provider "east-3" fails every request with status 503
    And the client sends 10 chat completions for "gpt-4o"
    And provider "east-1" recovers
    And provider "east-2" recovers
    And provider "east-3" recovers
    And the client keeps sending chat completions for "gpt-4o" every 5 ms until 20 in a row are served by "east-1", within 6000 ms
    Then every response has status 200
    And at most 2 providers of region "us-east" failed a client request, and the rest were skipped
    And serving from region "eu-west" instead of "us-east" cost clients at least 47 ms at the median
