@GUARDRAILS_INFRASTRUCTURE @extended @requires-guardrails @requires-events @requires-metrics
Feature: Guardrails: what the gateway will not carry to a provider or back
  A gateway is where every request and answer passes, so it is where an
  operator puts the checks no application should have to repeat: prompts
  too long to pay for, known prompt-injection phrasings, and personal data
  (e-mail addresses, phone numbers, card numbers that pass the Luhn check),
  blocked or redacted before any provider sees it, and personal data in
  answers. A request a guardrail blocks gets a 400 in OpenAI's error shape
  with code guardrail_blocked, naming the guardrail in the message and in
  the x-failover-guardrail header, and reaches no provider. Each guardrail
  is on only while configured, is timed in failover_guardrail_duration_seconds
  and counted in failover_guardrail_actions_total, and can be skipped for
  debugging by a request carrying the admin token in
  x-failover-guardrail-bypass, and by no other.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"

  Rule: a prompt is measured in tokens of its model's tokenizer, not guessed

    Numbers take two tokens for every four characters: a gateway that
    counts words, or guesses a token for every four characters, lets the
    long prompt through; one that counts characters blocks the short one.

    Scenario: a prompt over the token limit is blocked before any provider sees it
      Given prompts are limited to 100 tokens
      When the client sends a chat completion for "gpt-4o" whose messages come to 130 tokens
      Then the request was blocked by the prompt_length guardrail
      And the error message mentions "130 tokens"
      And the providers received 0 requests in total
      And the metrics count 1 request blocked by the prompt_length guardrail
      And the metrics show the time the prompt_length guardrail took for 1 request

    Scenario: a prompt within the token limit is served
      Given prompts are limited to 100 tokens
      When the client sends a chat completion for "gpt-4o" whose messages come to 90 tokens
      Then the response has status 200
      And the response came from "primary"
      And the metrics count 0 requests blocked by the prompt_length guardrail
      And the metrics show the time the prompt_length guardrail took for 1 request

  Rule: a known prompt injection is blocked; a question that merely mentions instructions is not

    Scenario: a prompt injection is blocked before any provider sees it
      Given prompt injections are blocked
      When the client sends a chat completion for "gpt-4o" trying a prompt injection
      Then the request was blocked by the prompt_injection guardrail
      And the providers received 0 requests in total
      And the gateway's events show the prompt_injection guardrail blocked a request for "gpt-4o"
      And the metrics count 1 request blocked by the prompt_injection guardrail

    Scenario: a question about instructions is served unchanged
      Given prompt injections are blocked
      When the client sends a chat completion for "gpt-4o" asking which instructions came with a printer
      Then the response has status 200
      And provider "primary" received each request exactly as the client sent it
      And the metrics show the time the prompt_injection guardrail took for 1 request

  Rule: personal data in a request is blocked or redacted, as configured

    Scenario: a card number is blocked before any provider sees it
      Given personal data in requests is blocked
      When the client sends a chat completion for "gpt-4o" with a card number in its prompt
      Then the request was blocked by the pii guardrail
      And the providers received 0 requests in total
      And the metrics count 1 request blocked by the pii guardrail

    Scenario: a number that fails the Luhn check is not a card number
      Given personal data in requests is blocked
      When the client sends a chat completion for "gpt-4o" with a number failing the Luhn check in its prompt
      Then the response has status 200
      And provider "primary" received each request exactly as the client sent it
      And the metrics count 0 requests blocked by the pii guardrail

    Scenario: an e-mail address and a phone number are redacted before the provider sees them
      Given personal data in requests is redacted
      When the client sends a chat completion for "gpt-4o" with an e-mail address and a phone number in its prompt
      Then the response has status 200
      And provider "primary" received the prompt with its e-mail address and phone number replaced by placeholders
      And the gateway's events show the pii guardrail redacted a request for "gpt-4o"
      And the metrics count 1 request redacted by the pii guardrail

  Rule: personal data in an answer is redacted or the answer withheld, as configured

    Scenario: an answer's personal data is redacted before the client gets it
      Given personal data in answers is redacted
      And provider "primary" fails every request with an answer giving out personal data
      When the client sends a chat completion for "gpt-4o" asking a short question
      Then the client got the answer with its personal data replaced by placeholders
      And the metrics count 1 request redacted by the output_pii guardrail
      And the metrics show the time the output_pii guardrail took for 1 request

    Scenario: an answer giving out personal data is withheld when so configured
      Given personal data in answers is blocked
      And provider "primary" fails every request with an answer giving out personal data
      When the client sends a chat completion for "gpt-4o" asking a short question
      Then the answer was withheld by the output guardrail
      And the gateway's events show the output_pii guardrail blocked a request for "gpt-4o"
      And the metrics count 1 request blocked by the output_pii guardrail

  Rule: each guardrail is on only while configured

    Scenario: with only personal data checked, a prompt injection passes and a card number does not
      Given personal data in requests is blocked
      When the client sends a chat completion for "gpt-4o" trying a prompt injection
      Then the response has status 200
      And provider "primary" received each request exactly as the client sent it
      When the client sends a chat completion for "gpt-4o" with a card number in its prompt
      Then the request was blocked by the pii guardrail
      And provider "primary" received 1 request

  Rule: only the admin token bypasses the guardrails

    Scenario: a request carrying the admin token skips every guardrail, and the bypass is logged
      Given prompt injections are blocked
      And personal data in requests is blocked
      And personal data in answers is redacted
      And provider "primary" fails every request with an answer giving out personal data
      When the client sends a chat completion for "gpt-4o" with a card number in its prompt, bypassing the guardrails with the admin token
      Then the response has status 200
      And provider "primary" received each request exactly as the client sent it
      And the client got the answer with its personal data as the provider sent it
      And the gateway's events show the pii guardrail bypassed a request for "gpt-4o"
      And the metrics count 1 request bypassed by the pii guardrail

    Scenario: a bypass with a wrong token is refused and reaches no provider
      Given personal data in requests is blocked
      When the client sends a chat completion for "gpt-4o" with a card number in its prompt, bypassing the guardrails with a wrong token
      Then the bypass was refused
      And the providers received 0 requests in total
