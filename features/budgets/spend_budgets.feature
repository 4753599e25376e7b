@SPEND_BUDGETS @extended @requires-budgets
Feature: Spend budgets per API key and model, and budget-aware stopping
  A budget says what one client API key may spend on a model in a window,
  in tokens or in US dollars at each provider's price. Every attempt counts
  against it, retries and failovers included; when it is spent the gateway
  answers 429 budget_exceeded, naming the budget and when it resets, and
  sends nothing more to any provider until then. Other keys and other models
  are not held by it.

  The spend is read black-box, from what the providers billed: the mock
  providers report the usage of every answer (12 prompt tokens and 5
  completion tokens, 17 in all), and the suite adds up the answers they gave
  to the key's requests, at the prices the scenario configured. A budget
  stops a key within one answer of its limit: the one request admitted last
  may take it over, and no more. Windows are an hour long where the scenario
  does not wait for one to end, so that none ends mid-scenario. What a budget
  spent outlives the gateway when it has a store.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request

  Scenario: a key's token budget serves until it is spent, then refuses with 429 naming the budget and its reset, and nothing more reaches a provider
    Given budget "team-a-gpt-4o" lets API key "sk-team-a" spend 170 tokens on "gpt-4o" per 3600000 ms
    When the client sends 14 chat completions for "gpt-4o" with API key "sk-team-a"
    Then the providers billed API key "sk-team-a" within 170 tokens and one answer, and no less than one answer below
    And the response is budget "team-a-gpt-4o"'s refusal, naming it and a reset within 3600000 ms, with Retry-After to match
    And no request with API key "sk-team-a" that was refused reached a provider
    And nothing of API key "sk-team-a" reached a provider after its first refusal, and nothing was served

  Scenario: a spent budget holds only its own key and model
    Given model "gpt-4o-mini" is served by "secondary"
    And budget "team-a-gpt-4o" lets API key "sk-team-a" spend 34 tokens on "gpt-4o" per 3600000 ms
    When the client sends 4 chat completions for "gpt-4o" with API key "sk-team-a"
    Then the response is budget "team-a-gpt-4o"'s refusal, naming it and a reset within 3600000 ms, with Retry-After to match
    When the client sends 3 chat completions for "gpt-4o" with API key "sk-team-b"
    And the client sends 3 chat completions for "gpt-4o-mini" with API key "sk-team-a"
    Then every request for "gpt-4o" with API key "sk-team-b" was served
    And every request for "gpt-4o-mini" with API key "sk-team-a" was served

  Scenario: retries and failovers count against the budget: with the primary failing, fewer requests are served than the same budget serves without failures
    # 170 tokens serve 10 answers of 17 when failed attempts are free; each
    # failed attempt on the primary costs its prompt, so fewer are served.
    Given the breaker opens when 50% of at least 100 calls in 10000 ms fail, for 5000 ms
    And budget "team-a-gpt-4o" lets API key "sk-team-a" spend 170 tokens on "gpt-4o" per 3600000 ms
    And provider "primary" fails every request with status 503
    When the client sends 14 chat completions for "gpt-4o" with API key "sk-team-a"
    Then at most 9 of the requests for "gpt-4o" with API key "sk-team-a" were served, and the rest refused
    And nothing of API key "sk-team-a" reached a provider after its first refusal, and nothing was served

  Scenario: a budget in US dollars counts each answer at the price of the provider and model that gave it
    # A "gpt-4o" answer from the primary costs (12 x 10 + 5 x 30) / 1,000,000
    # = $0.00027, a "gpt-4o-mini" answer from the secondary (12 x 1 + 5 x 2)
    # / 1,000,000 = $0.000022: the budget of $0.0027 on every model takes 5
    # of the first, 10 of the second, and then 5 more of the first.
    Given model "gpt-4o-mini" is served by "secondary"
    And provider "primary" charges 10.0 US dollars per million input tokens and 30.0 per million output tokens of "gpt-4o"
    And provider "secondary" charges 10.0 US dollars per million input tokens and 30.0 per million output tokens of "gpt-4o"
    And provider "secondary" charges 1.0 US dollars per million input tokens and 2.0 per million output tokens of "gpt-4o-mini"
    And budget "team-a-usd" lets API key "sk-team-a" spend 0.0027 US dollars on every model per 3600000 ms
    When the client sends 5 chat completions for "gpt-4o" with API key "sk-team-a"
    And the client sends 10 chat completions for "gpt-4o-mini" with API key "sk-team-a"
    And the client sends 10 chat completions for "gpt-4o" with API key "sk-team-a"
    Then the providers billed API key "sk-team-a" within 0.0027 US dollars and one answer, and no less than one answer below
    And the response is budget "team-a-usd"'s refusal, naming it and a reset within 3600000 ms, with Retry-After to match

  Scenario: a spent budget refills when its window ends, at the reset its refusal stated (a 1000 ms window, 100 ms of tolerance)
    Given budget "team-a-gpt-4o" lets API key "sk-team-a" spend 34 tokens on "gpt-4o" per 1000 ms
    When the client keeps sending chat completions for "gpt-4o" with API key "sk-team-a" every 10 ms until one gets status 429, within 3000 ms
    And the client keeps sending chat completions for "gpt-4o" with API key "sk-team-a" every 20 ms until one gets status 200, within 1500 ms
    Then budget "team-a-gpt-4o", of a 1000 ms window, refilled at the reset its refusal stated, with 100 ms of tolerance

  Scenario: a spent budget stays spent across a restart of the gateway
    Given the gateway keeps what budgets spent in a new store
    And budget "team-a-gpt-4o" lets API key "sk-team-a" spend 34 tokens on "gpt-4o" per 3600000 ms
    When the client sends 3 chat completions for "gpt-4o" with API key "sk-team-a"
    Then the response is budget "team-a-gpt-4o"'s refusal, naming it and a reset within 3600000 ms, with Retry-After to match
    When the gateway restarts
    And the client sends 2 chat completions for "gpt-4o" with API key "sk-team-a"
    Then the response is budget "team-a-gpt-4o"'s refusal, naming it and a reset within 3600000 ms, with Retry-After to match
    And the providers billed API key "sk-team-a" within 34 tokens and one answer, and no less than one answer below

  @requires-budget-listing
  Scenario: the gateway lists what a budget has spent, by the providers' usage
    Given budget "team-a-gpt-4o" lets API key "sk-team-a" spend 170 tokens on "gpt-4o" per 3600000 ms
    When the client sends 6 chat completions for "gpt-4o" with API key "sk-team-a"
    Then the gateway lists budget "team-a-gpt-4o" as having spent what the providers billed API key "sk-team-a"

  @requires-metrics @requires-events
  Scenario: requests a budget refuses are counted per budget, and its first refusal is logged
    Given budget "team-a-gpt-4o" lets API key "sk-team-a" spend 34 tokens on "gpt-4o" per 3600000 ms
    When the client sends 5 chat completions for "gpt-4o" with API key "sk-team-a"
    Then the metrics count 3 requests refused by budget "team-a-gpt-4o"
    And the metrics count 3 requests for "gpt-4o" served by "none" with outcome budget_exceeded
    And the gateway's events show budget "team-a-gpt-4o" of 34 tokens exhausted, once
