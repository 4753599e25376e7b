@TAXONOMY_SOFT_FAILURES @extended @requires-soft-failures @requires-events @requires-metrics
Feature: Soft failure taxonomy: answers that arrive as a 200 but are wrong
  Half of what goes wrong with an LLM provider arrives as a success: a
  refusal, prose where JSON was asked for, an answer that breaks the rules
  set for it, an empty, looping or cut-off answer, a stream far slower than
  its provider's usual, and citations of sources
  the request never gave. The status says nothing about these, so the
  gateway judges the answer itself: it reports the class of a soft failure
  in the x-failover-soft-failure header, a soft_failure event and the
  failover_soft_failures_total metric, and lets the answer through. What it
  judges depends on what the request asked: JSON only when JSON was asked
  for, a length ending only when the client set no limit. An answer with
  nothing wrong that a gateway can see is never flagged. A streamed answer
  has reached the client before it can be judged: it is judged when it is
  complete, and its last chunk before [DONE] says what is wrong with it.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And answers are judged for soft failures
    And answers opening with "I'm sorry, but" are refusals
    And answers must not match "(?i)as an ai language model"
    And the document ids an answer cites, such as [doc-1], and its URLs must appear in the request

  Scenario Outline: <answer> reaches the client flagged as <class>
    Given provider "primary" fails every request with <answer>
    When the client sends a chat completion for "gpt-4o" <asking>
    Then the response has status 200
    And the response came from "primary"
    And the response is flagged as a soft failure of class <class>
    And the gateway's events show a soft failure of class <class> from "primary"
    And the metrics count 1 soft failure of class <class> from "primary" for "gpt-4o"
    And the metrics count 0 soft failures of class <class> from "secondary" for "gpt-4o"

    Examples: the provider declines: by its refusal field, by its content filter, or in words
      | answer                                  | asking                  | class   |
      | a refusal                               | asking a short question | refusal |
      | an answer stopped by its content filter | asking a short question | refusal |
      | a refusal in words                      | asking a short question | refusal |

    Examples: the answer is not what the request or the route asked for
      | answer                                   | asking                  | class             |
      | an answer that is not the JSON asked for | asking for JSON         | format_violation  |
      | an answer off its instructions           | asking a short question | instruction_drift |

    Examples: the answer is degraded: empty, looping, or cut at a limit the client did not set
      | answer                            | asking                  | class               |
      | an empty answer                   | asking a short question | quality_degradation |
      | a repetitive answer               | asking a short question | quality_degradation |
      | an answer cut at its length limit | setting no token limit  | quality_degradation |

    Examples: the answer cites a document and a URL the request never gave
      | answer                                     | asking             | class         |
      | an answer citing a source it was not given | giving its sources | hallucination |

  Scenario: a good answer to a request giving its sources is not flagged
    When the client sends a chat completion for "gpt-4o" giving its sources
    Then the response has status 200
    And the response came from "primary"
    And the response is not flagged as a soft failure
    And the metrics count 0 soft failures of class hallucination from "primary" for "gpt-4o"

  Scenario Outline: <answer> to a chat completion <asking> is not flagged
    Given provider "primary" fails every request with <answer>
    When the client sends a chat completion for "gpt-4o" <asking>
    Then the response has status 200
    And the response came from "primary"
    And the response is not flagged as a soft failure

    Examples: the client asked for no JSON and set max_tokens, so the answer is what it asked for
      | answer                                   | asking                  |
      | an answer that is not the JSON asked for | asking a short question |
      | an answer cut at its length limit        | asking a short question |

  @requires-soft-failover
  Scenario Outline: with <class> acted on, <answer> from the primary is a failed attempt and the secondary serves
    Given answers of class <class> are failed attempts
    And provider "primary" fails every request with <answer>
    When the client sends a chat completion for "gpt-4o" <asking>
    Then the response has status 200
    And the response came from "secondary"
    And the response is not flagged as a soft failure
    And provider "primary" received 1 request
    And the gateway's events show the request served by "secondary" after a soft_failure on "primary"
    And the gateway's events show a soft failure of class <class> from "primary"
    And the metrics count 1 soft failure of class <class> from "primary" for "gpt-4o"

    # The soft classes' table, beside the hard one: a class only flagged (the
    # first outline) reaches the client from the provider that answered it and
    # is not held against it; a class acted on is a failed attempt, never
    # retried on the provider that answered it (it would answer the same),
    # failed over at once, and counted by that provider's breaker like a 500
    # (below); a class with an opening rate of its own is counted whether
    # acted on or not (features/taxonomy/class_thresholds.feature).
    Examples: the provider declines
      | answer                                  | asking                  | class   |
      | a refusal                               | asking a short question | refusal |
      | a refusal in words                      | asking a short question | refusal |
      | an answer stopped by its content filter | asking a short question | refusal |

    Examples: the answer is not what the request or the route asked for
      | answer                                   | asking                  | class             |
      | an answer that is not the JSON asked for | asking for JSON         | format_violation  |
      | an answer off its instructions           | asking a short question | instruction_drift |

    Examples: the answer is degraded
      | answer                            | asking                  | class               |
      | an empty answer                   | asking a short question | quality_degradation |
      | a repetitive answer               | asking a short question | quality_degradation |
      | an answer cut at its length limit | setting no token limit  | quality_degradation |

    Examples: the answer cites what it was not given
      | answer                                     | asking             | class         |
      | an answer citing a source it was not given | giving its sources | hallucination |

  @requires-soft-failover
  Scenario: when every provider answers wrong, the last wrong answer reaches the client, flagged
    Given answers of class refusal are failed attempts
    And provider "primary" fails every request with a refusal
    And provider "secondary" fails every request with a refusal
    When the client sends a chat completion for "gpt-4o" asking a short question
    Then the response has status 200
    And the response came from "secondary"
    And the response is flagged as a soft failure of class refusal
    And the metrics count 1 soft failure of class refusal from "primary" for "gpt-4o"
    And the metrics count 1 soft failure of class refusal from "secondary" for "gpt-4o"

  @requires-soft-failover
  Scenario: a provider answering 200 with prose where JSON was asked for is taken out of rotation like one answering 500
    Given answers of class format_violation are failed attempts
    And the breaker opens when 100% of at least 2 calls in 10000 ms fail, for 5000 ms
    And provider "primary" fails every request with an answer that is not the JSON asked for
    When the client sends 4 chat completions for "gpt-4o" asking for JSON
    Then all 4 responses have status 200
    And all 4 responses were served by "secondary"
    And provider "primary" received 2 requests

  @requires-soft-failover
  Scenario: a class not acted on is only flagged, and the primary's breaker does not count it
    Given answers of class format_violation are failed attempts
    And the breaker opens when 100% of at least 2 calls in 10000 ms fail, for 5000 ms
    And provider "primary" fails every request with a refusal
    When the client sends 3 chat completions for "gpt-4o" asking a short question
    Then all 3 responses have status 200
    And all 3 responses were served by "primary"
    And provider "primary" received 3 requests

  @requires-streaming @requires-soft-failures-streaming
  Scenario Outline: <answer>, streamed, reaches the client whole, its last chunk flagging it as <class>
    Given provider "primary" fails every request with <answer>
    When the client streams a chat completion for "gpt-4o" <asking>
    Then the response has status 200
    And the response came from "primary"
    And the stream ends with a chunk flagging a soft failure of class <class>
    And the gateway's events show a soft failure of class <class> from "primary"
    And the metrics count 1 soft failure of class <class> from "primary" for "gpt-4o"

    Examples:
      | answer                                     | asking                  | class               |
      | a refusal                                  | asking a short question | refusal             |
      | an answer that is not the JSON asked for   | asking for JSON         | format_violation    |
      | an answer off its instructions             | asking a short question | instruction_drift   |
      | an empty answer                            | asking a short question | quality_degradation |
      | an answer citing a source it was not given | giving its sources      | hallucination       |

  @requires-streaming @requires-soft-failures-streaming
  Scenario Outline: a good streamed answer to a chat completion <asking> carries no flag
    When the client streams a chat completion for "gpt-4o" <asking>
    Then the response has status 200
    And the response came from "primary"
    And the stream carries no soft-failure flag

    Examples:
      | asking             |
      | asking for JSON    |
      | giving its sources |

  @requires-streaming @requires-soft-failures-streaming @requires-soft-failover
  Scenario: a streamed answer of a class acted on is never taken back, but the primary's breaker counts it
    Given answers of class refusal are failed attempts
    And the breaker opens when 100% of at least 2 calls in 10000 ms fail, for 5000 ms
    And provider "primary" fails every request with a refusal
    When the client streams 2 chat completions for "gpt-4o" asking a short question
    Then all 2 responses were served by "primary"
    And the stream ends with a chunk flagging a soft failure of class refusal
    When the client streams 2 chat completions for "gpt-4o" asking a short question
    Then all 2 responses were served by "secondary"
    And the stream carries no soft-failure flag
    And provider "primary" received 2 requests

  @requires-streaming @requires-soft-failures-streaming @requires-token-rate
  Scenario: a stream generating at a fraction of its provider's usual rate is flagged as quality_degradation
    # The usual rate is 8 chunks 10 ms apart: 100 tokens/s. The slow stream,
    # 4 chunks 150 ms apart, comes at 6.7/s at most, under a quarter of the
    # usual even when a loaded machine halves the usual (12.5/s): a margin of
    # two; a stream at the usual pace would be flagged only if it came four
    # times slower than the usual was measured.
    Given stream rates are judged against their provider's usual, learned from 3 streams of at least 4 chunks, slow below 25% of it
    And provider "primary" streams 8 chunks 10 ms apart
    When the client streams 4 chat completions for "gpt-4o" asking a short question
    Then no stream of the batch carries a soft-failure flag
    Given provider "primary" streams 4 chunks 150 ms apart
    When the client streams a chat completion for "gpt-4o" asking a short question
    Then the response came from "primary"
    And the stream ends with a chunk flagging a soft failure of class quality_degradation
    And the gateway's events show a soft failure of class quality_degradation from "primary"

  @requires-soft-failures-schema
  Scenario: JSON that does not match the schema asked for reaches the client flagged as format_violation
    Given provider "primary" fails every request with JSON that does not match the schema asked for
    When the client sends a chat completion for "gpt-4o" asking for JSON matching a schema
    Then the response has status 200
    And the response came from "primary"
    And the response is flagged as a soft failure of class format_violation
    And the gateway's events show a soft failure of class format_violation from "primary"
    And the metrics count 1 soft failure of class format_violation from "primary" for "gpt-4o"

  @requires-soft-failures-schema
  Scenario: a good answer to a chat completion asking for JSON matching a schema is not flagged
    When the client sends a chat completion for "gpt-4o" asking for JSON matching a schema
    Then the response has status 200
    And the response came from "primary"
    And the response is not flagged as a soft failure

  @requires-soft-failures-schema
  Scenario: JSON of any shape answering a chat completion asking for JSON without a schema is not flagged
    Given provider "primary" fails every request with JSON that does not match the schema asked for
    When the client sends a chat completion for "gpt-4o" asking for JSON
    Then the response has status 200
    And the response came from "primary"
    And the response is not flagged as a soft failure

  @requires-soft-failures-schema @requires-soft-failover
  Scenario: with format_violation acted on, JSON that does not match the schema from the primary is a failed attempt and the secondary serves
    Given answers of class format_violation are failed attempts
    And provider "primary" fails every request with JSON that does not match the schema asked for
    When the client sends a chat completion for "gpt-4o" asking for JSON matching a schema
    Then the response has status 200
    And the response came from "secondary"
    And the response is not flagged as a soft failure
    And the gateway's events show the request served by "secondary" after a soft_failure on "primary"
    And the metrics count 1 soft failure of class format_violation from "primary" for "gpt-4o"
