@SECURITY_SECRETS @extended @requires-secret-hygiene
Feature: Secrets stay secret: no provider API key or admin token leaves the gateway
  A gateway holds every provider's API key and its own admin token, and
  providers are careless with keys: a real provider's 401 reads "Incorrect
  API key provided: sk-...", and some give the request's headers back. In
  each scenario every provider has a fresh key and the admin API a fresh
  token. A provider answers with an error that gives back the key it was
  sent, in its body and in a header; then everything the gateway showed
  during the scenario is searched for every key and the token: each
  response's status line, headers, body and stream; the admin API's pages
  (decision log, providers, drills, budgets, SLOs, analytics) and the
  metrics, read with the token, whether the gateway has them or answers 404;
  and, for a gateway the suite started as a command, everything it wrote to
  its output. A finding names the secret and where it was shown, masked.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And each provider gets 1 attempt per request

  Scenario Outline: a primary whose <status> error gives its key back, and a healthy secondary
    Given provider "primary" fails every request with status <status> echoing its API key
    When the client sends 3 chat completions for "gpt-4o"
    And the client sends 2 streamed chat completions for "gpt-4o"
    Then every response has status 200
    And every response was served by "secondary"
    And provider "primary" gave its API key back in at least 1 answer
    And no provider's API key and not the admin token appear in anything the gateway showed

    Examples:
      | status |
      | 401    |
      | 500    |

  Scenario: every provider gives its key back: the gateway's own 503 says nothing of them
    Given provider "primary" fails every request with status 500 echoing its API key
    And provider "secondary" fails every request with status 401 echoing its API key
    When the client sends 3 chat completions for "gpt-4o"
    And the client sends 1 streamed chat completion for "gpt-4o"
    And the client sends 1 embeddings request for "gpt-4o"
    Then every response has status 503
    And provider "primary" gave its API key back in at least 1 answer
    And provider "secondary" gave its API key back in at least 1 answer
    And no provider's API key and not the admin token appear in anything the gateway showed
