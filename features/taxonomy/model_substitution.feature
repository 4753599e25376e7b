@TAXONOMY_MODEL_SUBSTITUTION @extended @requires-model-substitution @requires-soft-failures @requires-events @requires-metrics
Feature: Silent model updates: an answer from another model than the version pinned is a soft failure
  Providers change the model behind a name without notice (seed 002,
  section 7: silent model updates). The config pins the version each chain
  entry must be served by (`model_version`); every answer names the model
  that served it (its `model` field; a stream's chunks too). An answer that
  names another model is a soft failure of its own class,
  model_substitution, whatever its words: flagged in the
  x-failover-soft-failure header (a stream: in its last chunk), logged as a
  soft_failure event and counted in failover_soft_failures_total, and a
  failed attempt when the config acts on the class. An answer naming the
  pinned version is never flagged. The mock providers answer, as OpenAI
  does, with the dated version behind the name asked for, until a scenario
  makes one answer as another model.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And answers are judged for soft failures
    And the entry of "primary" for "gpt-4o" pins model version "gpt-4o-2024-08-06"
    And the entry of "secondary" for "gpt-4o" pins model version "gpt-4o-2024-08-06"
    And provider "primary" answers as model "gpt-4o-2024-08-06"
    And provider "secondary" answers as model "gpt-4o-2024-08-06"

  Scenario: answers naming the pinned version are not flagged
    When the client sends 5 chat completions for "gpt-4o"
    Then all 5 responses have status 200
    And all 5 responses were served by "primary"
    And the response is not flagged as a soft failure
    And the metrics count 0 soft failures of class model_substitution from "primary" for "gpt-4o"

  Scenario: a provider that changes its model mid-run is flagged from its first answer as the other model
    When the client sends a chat completion for "gpt-4o"
    Then the response is not flagged as a soft failure
    When provider "primary" starts answering as model "gpt-4o-mini-2024-07-18"
    And the client sends a chat completion for "gpt-4o"
    Then the response has status 200
    And the response came from "primary"
    And the response is flagged as a soft failure of class model_substitution
    And the gateway's events show a soft failure of class model_substitution from "primary"
    And the metrics count 1 soft failure of class model_substitution from "primary" for "gpt-4o"

  Scenario: an answer naming the undated alias is not the pinned version either
    Given provider "primary" answers as model "gpt-4o"
    When the client sends a chat completion for "gpt-4o"
    Then the response came from "primary"
    And the response is flagged as a soft failure of class model_substitution

  @requires-soft-failures-streaming
  Scenario: a streamed answer from another model ends with a chunk flagging it
    Given provider "primary" answers as model "gpt-4o-mini-2024-07-18"
    When the client streams a chat completion for "gpt-4o" asking a short question
    Then the response has status 200
    And the response came from "primary"
    And the stream ends with a chunk flagging a soft failure of class model_substitution
    And the metrics count 1 soft failure of class model_substitution from "primary" for "gpt-4o"

  @requires-soft-failover
  Scenario: with model_substitution acted on, an answer from another model is a failed attempt and the secondary serves
    Given answers of class model_substitution are failed attempts
    And provider "primary" answers as model "gpt-4o-mini-2024-07-18"
    When the client sends a chat completion for "gpt-4o"
    Then the response has status 200
    And the response came from "secondary"
    And the response is not flagged as a soft failure
    And the metrics count 1 soft failure of class model_substitution from "primary" for "gpt-4o"

  Scenario: an entry that pins no version takes the model its provider names
    Given model "gpt-4o-mini" is served by "secondary"
    And provider "secondary" answers as model "gpt-4o-mini-2024-07-18"
    When the client sends a chat completion for "gpt-4o-mini"
    Then the response came from "secondary"
    And the response is not flagged as a soft failure
