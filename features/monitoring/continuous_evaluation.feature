@MONITORING_CONTINUOUS_EVAL @extended @requires-continuous-eval @requires-health-api @requires-events
Feature: Continuous evaluation catches a provider whose answers change silently
  Providers change the model behind a name without notice, and the new
  model may answer the same questions differently (seed 002, section 7:
  silent model updates). With continuous evaluation on, the gateway sends
  a small golden set (prompts with known answers, checked exactly, by a
  pattern or by a JSON Schema) to every provider of the model's chain on a
  schedule, one round of every case at a time. A provider whose pass rate
  over its latest rounds falls below the set's minimum is marked degraded,
  with the failing cases as evidence, in `GET /admin/providers`, on the
  dashboard and in the decision log, before any client's request shows it;
  a provider that answers right is never marked.

  Bounds are counted in rounds, from what the provider answered: with 10
  rounds and a minimum of 0.9, a provider whose every answer turns wrong is
  marked after at most floor(10 × 0.1) + 1 = 2 rounds, and one that gets
  one case of three wrong after at most 4 (4 wrong of 30 is below 0.9).
  The suite polls the listing every 20 ms while rounds run every 100 ms, so
  it allows 4 more rounds for seeing the mark on a loaded machine; a
  gateway that marks a provider only once nothing in its window passes
  needs 10. Each wait's time limit is multiplied by the run's tolerance
  factor.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And the gateway evaluates "gpt-4o" every 100 ms over its latest 10 rounds, marking a provider below a pass rate of 0.9, with the golden set:
      | case    | prompt                                                            | expect                                                                                               |
      | sum     | What is 2 + 2? Answer with the number alone.                      | exactly "4"                                                                                          |
      | capital | What is the capital of France?                                    | matching "(?i)paris"                                                                                 |
      | person  | Describe Ada Lovelace as a JSON object with her name and birth year. | JSON matching {"type": "object", "required": ["name", "born"], "properties": {"born": {"const": 1815}}} |
    And every provider answers:
      | prompt                                                            | answer                                  |
      | What is 2 + 2? Answer with the number alone.                      | 4                                       |
      | What is the capital of France?                                    | The capital of France is Paris.         |
      | Describe Ada Lovelace as a JSON object with her name and birth year. | {"name": "Ada Lovelace", "born": 1815} |

  Scenario: providers that keep answering right are never marked, and clients' traffic goes on as before
    When the gateway has evaluated every provider of "gpt-4o" 12 times, within 3000 ms
    And the client sends 3 chat completions for "gpt-4o"
    Then all 3 responses have status 200
    And all 3 responses were served by "primary"
    And the admin API shows "primary" of "gpt-4o" passing its golden set over at least 10 rounds
    And the admin API shows "secondary" of "gpt-4o" passing its golden set over at least 10 rounds
    And the gateway's events show no evaluation decision

  @requires-dashboard
  Scenario: a provider whose every answer changes is marked within 2 rounds, before any client's request
    When the gateway has evaluated every provider of "gpt-4o" 3 times, within 2000 ms
    And the dashboard stream is being watched
    And provider "primary" starts answering:
      | prompt                                                               | answer                          |
      | What is 2 + 2? Answer with the number alone.                         | 5                               |
      | What is the capital of France?                                       | The capital of France is Lyon.  |
      | Describe Ada Lovelace as a JSON object with her name and birth year. | {"name": "Ada Lovelace"}        |
    Then the admin API shows "primary" of "gpt-4o" degraded after at most 2 rounds answering case "sum" with "5", allowing 4 more while it polls within 3000 ms
    And the admin API shows "secondary" of "gpt-4o" passing its golden set over at least 3 rounds
    And the gateway's events show evaluation decisions "degraded" for "primary" of "gpt-4o", the first with case "capital" answered "The capital of France is Lyon."
    And the dashboard stream showed "primary" of "gpt-4o" degraded by its golden set, with the evaluation's decision, within 1000 ms
    And provider "primary" received no requests

  Scenario: a provider that gets one case of three wrong is marked within 4 rounds
    When the gateway has evaluated every provider of "gpt-4o" 12 times, within 3000 ms
    And provider "primary" starts answering "What is the capital of France?" with "The capital of France is Lyon."
    Then the admin API shows "primary" of "gpt-4o" degraded after at most 4 rounds answering case "capital" with "The capital of France is Lyon.", allowing 4 more while it polls within 3000 ms
    And the admin API shows "secondary" of "gpt-4o" passing its golden set over at least 10 rounds

  Scenario: a provider that answers right again is no longer marked once its wrong rounds leave the window
    When the gateway has evaluated every provider of "gpt-4o" 3 times, within 2000 ms
    And provider "primary" starts answering "What is 2 + 2? Answer with the number alone." with "5"
    Then the admin API shows "primary" of "gpt-4o" degraded after at most 2 rounds answering case "sum" with "5", allowing 4 more while it polls within 3000 ms
    When provider "primary" starts answering "What is 2 + 2? Answer with the number alone." with "4"
    Then within 3000 ms the admin API shows "primary" of "gpt-4o" passing its golden set again
    And the gateway's events show evaluation decisions "degraded, recovered" for "primary" of "gpt-4o", the first with case "sum" answered "5"
