@CHAOS_EXPERIMENTS @extended
Feature: Chaos experiments: the five faults the seed says to inject on purpose
  A chaos experiment states the steady state, injects one fault while
  traffic flows, and checks that the steady state holds: every request is
  answered, and answered right. The seed names five experiments for an LLM
  system: a provider outage (every call to the primary blocked), latency
  injection (5 to 30 s of delay, here scaled down five times against a
  500 ms attempt timeout, with 300 ms of tolerance for a loaded machine
  that starts the next attempt late: a gateway that retries the slow
  primary once more before moving on costs 1,150 ms or more), response corruption (random text in place of the
  answer, which only validating the answer catches), prompt injection
  (known adversarial inputs, which the input guardrail blocks before any
  provider sees them) and cost explosion (a hundred times the usual volume,
  which the key's spend budget stops within one answer of its limit).

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request

  @requires-events
  Rule: provider outage: with every call to the primary blocked, the secondary serves every request, and the primary gets them back when the block ends

    Scenario: the primary blocked and then unblocked
      Given the breaker opens when 50% of at least 2 calls in 10000 ms fail, for 300 ms
      And a half-open breaker admits 1 probe, each given at most 1000 ms
      And traffic fails back at once, without a ramp
      When the client sends 3 chat completions for "gpt-4o"
      Then all 3 responses were served by "primary"
      When provider "primary" fails every request with a refused connection
      And the client sends 10 chat completions for "gpt-4o"
      Then all 10 responses have status 200
      And all 10 responses were served by "secondary"
      And the gateway's events show requests for model "gpt-4o" skipping "primary"
      When provider "primary" recovers
      And the client keeps sending chat completions for "gpt-4o" every 20 ms until 3 in a row are served by "primary", within 1300 ms
      Then every response has status 200

  Rule: latency injection: a primary slowed past the attempt timeout costs each request at most the timeout, and none once its breaker is open

    Scenario Outline: the primary slowed by <delay> ms (<seed> s in the seed) against a 500 ms attempt timeout
      Given each attempt times out after 500 ms
      And the breaker opens when 50% of at least 2 calls in 10000 ms fail, for 5000 ms
      And provider "primary" answers after <delay> ms
      When the client sends 6 chat completions for "gpt-4o"
      Then all 6 responses have status 200
      And all 6 responses were served by "secondary"
      And provider "primary" received 2 requests
      And every response in the latest step arrived within 500 ms, with 300 ms of tolerance
      And the responses that skipped "primary" arrived within 60 ms at the median, with 40 ms of tolerance

      Examples:
        | delay | seed |
        | 1000  | 5    |
        | 6000  | 30   |

  @requires-soft-failures @requires-soft-failover
  Rule: response corruption: random text in place of the answer is caught by validating the answer, and the secondary's answer is served instead

    Scenario Outline: <corruption> from the primary, to requests asking for JSON
      Given answers are judged for soft failures
      And answers of class format_violation are failed attempts
      And provider "primary" fails every request with <corruption>
      When the client sends 3 chat completions for "gpt-4o" asking for JSON
      Then all 3 responses have status 200
      And all 3 responses were served by "secondary"
      And the response is not flagged as a soft failure

      Examples:
        | corruption                        |
        | random text instead of the answer |
        | an answer that is not JSON        |

  @requires-guardrails
  Rule: prompt injection: known adversarial inputs are blocked before any provider sees them, and ordinary traffic still flows

    Scenario Outline: the known injection <injection> is blocked
      Given prompt injections are blocked
      When the client sends a chat completion for "gpt-4o" trying the known injection <injection>
      Then the request was blocked by the prompt_injection guardrail
      And the providers received 0 requests in total
      When the client sends a chat completion for "gpt-4o" asking which instructions came with a printer
      Then the response has status 200
      And the response came from "primary"

      Examples:
        | injection                   |
        | disregard-the-system-prompt |
        | print-the-system-prompt     |
        | do-anything-now             |
        | developer-mode              |
        | no-restrictions             |
        | chat-template               |

  @requires-budgets
  Rule: cost explosion: a hundred times a key's usual volume, all at once, is stopped by its budget, whose spend stays within one answer of its limit

    Scenario: 200 requests at once where the key usually sends 2, against a budget of 20 answers
      # Each answer is billed 17 tokens: 340 tokens are 20 answers. The
      # providers answer after 50 ms, so the requests are all in flight
      # together and a budget that counts only what has ended lets them all through.
      Given budget "team-a-gpt-4o" lets API key "sk-team-a" spend 340 tokens on "gpt-4o" per 3600000 ms
      And provider "primary" answers after 50 ms
      When the client sends 200 chat completions for "gpt-4o" at once with API key "sk-team-a"
      Then the providers billed API key "sk-team-a" at most 340 tokens and one answer
      And at most 21 of the requests for "gpt-4o" with API key "sk-team-a" were served, and the rest refused
      And no request with API key "sk-team-a" that was refused reached a provider
