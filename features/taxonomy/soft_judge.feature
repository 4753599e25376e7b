@TAXONOMY_SOFT_JUDGE @extended @requires-soft-failures @requires-soft-judge
Feature: A judge provider scores the answers a gateway cannot judge by their words
  A gateway sees an answer's words, not the world: a fluent claim that cites
  nothing passes every check it can make. A judge provider, another model
  asked to score each whole answer against the request's own text, catches
  some of these, and is wrong at times, being a model too. The gateway asks
  it only about whole answers with nothing else wrong (a stream has reached
  the client before a judge could answer), and a judge that fails, is late
  or answers no number judges nothing: the answer reaches the client
  unflagged and the failure is counted, for a good answer is not to be
  blamed for its judge's trouble.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And answers are judged for soft failures
    And answers are scored by provider "judge" as model "judge-1", flagged below 0.5, waiting 300 ms for the score

  @requires-events @requires-metrics
  Scenario: an answer the judge scores below the minimum reaches the client flagged as hallucination
    Given provider "judge" answers every request with the text "0.2"
    When the client sends a chat completion for "gpt-4o" giving its sources
    Then the response has status 200
    And the response came from "primary"
    And the response is flagged as a soft failure of class hallucination
    And provider "judge" was asked to score the answer against the request's text
    And the gateway's events show a soft failure of class hallucination from "primary"
    And the metrics count 1 soft failure of class hallucination from "primary" for "gpt-4o"

  Scenario: answers the judge scores at the minimum or above are not flagged
    Given provider "judge" answers every request with the text "Score: 0.5."
    When the client sends 2 chat completions for "gpt-4o" giving its sources
    Then all 2 responses have status 200
    And all 2 responses were served by "primary"
    And the response is not flagged as a soft failure
    And provider "judge" received 2 requests
    And provider "judge" was asked to score the answer against the request's text

  @requires-metrics
  Scenario Outline: a judge answering <trouble> judges nothing: the answer reaches the client unflagged, and the failure is counted
    Given provider "judge" <does>
    When the client sends a chat completion for "gpt-4o" giving its sources
    Then the response has status 200
    And the response came from "primary"
    And the response is not flagged as a soft failure
    And provider "judge" received 1 request
    And the metrics count 1 answer the judge "judge" did not score

    Examples:
      | trouble                   | does                                                      |
      | an error                  | fails every request with status 500                       |
      | nothing within 300 ms     | fails every request with a timeout                        |
      | words that are no score   | answers every request with the text "It looks right to me" |

  Scenario: an answer with something wrong the gateway can see is not sent to the judge
    Given provider "judge" answers every request with the text "1"
    And provider "primary" fails every request with an empty answer
    When the client sends a chat completion for "gpt-4o" asking a short question
    Then the response is flagged as a soft failure of class quality_degradation
    And provider "judge" received 0 requests

  @requires-streaming
  Scenario: a streamed answer is not sent to the judge: it has reached the client already
    Given provider "judge" answers every request with the text "0"
    When the client streams a chat completion for "gpt-4o" giving its sources
    Then the response has status 200
    And the stream carries no soft-failure flag
    And provider "judge" received 0 requests
