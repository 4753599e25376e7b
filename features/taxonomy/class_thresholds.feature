@TAXONOMY_CLASS_THRESHOLDS @extended @requires-class-thresholds @requires-events
Feature: Failure classes with opening rates of their own
  One failure rate for every class treats a provider shedding load with
  429s like one inventing its citations. A breaker can judge a class against
  a threshold of its own, in the same window and over the same calls: rate
  limits tolerated up to a generous share, wrong answers opening it at a
  small one. A class with its own threshold no longer adds to the general
  failure rate. A soft class with its own threshold counts even when the
  gateway only flags it, so a provider answering 200 with wrong answers is
  taken out of rotation without any request failing over.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And the breaker opens when 50% of at least 4 calls in 10000 ms fail, for 5000 ms

  Scenario: rate limits within their own tolerance keep the breaker closed where the general rate would open it
    Given rate_limited opens the breaker at 75% of calls
    And provider "primary" fails the next 2 requests with status 429
    When the client sends 5 chat completions for "gpt-4o"
    Then all 5 responses have status 200
    And provider "primary" received 5 requests
    And provider "secondary" received 2 requests

  Scenario: rate limits past their own tolerance open the breaker, named in the transition
    Given rate_limited opens the breaker at 75% of calls
    And provider "primary" fails the next 3 requests with status 429
    When the client sends 5 chat completions for "gpt-4o"
    Then all 5 responses have status 200
    And provider "primary" received 4 requests
    And the gateway's events show the breaker of "primary" for model "gpt-4o" opening on rate_limited alone

  @requires-soft-failures
  Scenario: answers citing sources they were not given take the provider out of rotation at hallucination's own rate, though each was only flagged
    Given answers are judged for soft failures
    And the document ids an answer cites, such as [doc-1], and its URLs must appear in the request
    And hallucination opens the breaker at 25% of calls
    And provider "primary" fails the next 1 request with an answer citing a source it was not given
    When the client sends 4 chat completions for "gpt-4o" giving its sources
    Then all 4 responses have status 200
    And all 4 responses were served by "primary"
    And the gateway's events show the breaker of "primary" for model "gpt-4o" opening on hallucination alone
    When the client sends a chat completion for "gpt-4o" giving its sources
    Then the response came from "secondary"

  @requires-soft-failures @requires-health-scoring @requires-health-api
  Scenario: a wrong answer counted at its class's own rate is a failure in the provider's health too
    The breaker, the health score and the failover analytics judge the same
    answers: one the breaker counts as a failure is one in the provider's
    health record, and its latest failure.
    Given answers are judged for soft failures
    And the document ids an answer cites, such as [doc-1], and its URLs must appear in the request
    And hallucination opens the breaker at 25% of calls
    And health scoring drains a provider at a score of 0.5, from at least 100 samples in 10000 ms, against the mean latency of its first 3 answers, looking 2000 ms ahead
    And provider "primary" fails the next 1 request with an answer citing a source it was not given
    When the client sends 2 chat completions for "gpt-4o" giving its sources
    Then within 1000 ms the admin API shows, for model "gpt-4o":
      | provider | state  | last failure | samples |
      | primary  | closed | soft_failure | 2       |
