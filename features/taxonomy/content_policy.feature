@TAXONOMY_CONTENT_POLICY @extended @requires-content-policy-fallback
Feature: Content-policy fallback: a request one provider's content policy refuses goes to a chain kept for it
  A provider's content filter refusing a request is neither the client's
  mistake nor the provider failing: another provider, with another policy,
  may answer it. The model's own chain is the wrong place to send it: its
  providers are there for availability, and may share the policy. So a
  model may name a content-policy chain. After a refusal (a 400 with the
  code content_policy_violation, or an answer the content filter ended)
  the request goes there, and only there. Without one, or when each of its
  providers refuses too, the refusal reaches the client unchanged. A
  refusal says nothing about a provider's health: no breaker counts it.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And requests for model "gpt-4o" that a provider's content policy refuses go to "moderated"
    And the breaker opens when 100% of at least 2 calls in 10000 ms fail, for 5000 ms

  Scenario Outline: a content-filter rejection of a <request> goes to the content-policy chain, not to the secondary
    Given provider "primary" fails every request with a content-filter rejection
    When the client sends a <request> for "gpt-4o"
    Then the response has status 200
    And the response came from "moderated"
    And provider "primary" received 1 request
    And provider "secondary" received 0 requests
    And the gateway's events show the request served by "moderated" after a content_filtered on "primary"

    Examples:
      | request         |
      | chat completion |

    @requires-streaming
    Examples: streamed
      | request                  |
      | streamed chat completion |

  Scenario: when the content-policy chain refuses too, its refusal reaches the client unchanged
    Given provider "primary" fails every request with a content-filter rejection
    And provider "moderated" fails every request with a content-filter rejection
    When the client sends a chat completion for "gpt-4o"
    Then the response has status 400
    And the response came from "moderated"
    And provider "primary" received 1 request
    And provider "moderated" received 1 request
    And provider "secondary" received 0 requests

  @requires-soft-failures
  Scenario: an answer its content filter ended goes to the content-policy chain when answers are judged
    Given answers are judged for soft failures
    And provider "primary" fails every request with an answer stopped by its content filter
    When the client sends a chat completion for "gpt-4o"
    Then the response has status 200
    And the response came from "moderated"
    And the response is not flagged as a soft failure
    And provider "secondary" received 0 requests
    And the gateway's events show the request served by "moderated" after a content_filtered on "primary"

  Scenario: refusals never count against the refusing provider's breaker
    Given provider "primary" fails every request with a content-filter rejection
    When the client sends 3 chat completions for "gpt-4o"
    Then all 3 responses have status 200
    And all 3 responses were served by "moderated"
    And provider "primary" received 3 requests
    And provider "secondary" received 0 requests
