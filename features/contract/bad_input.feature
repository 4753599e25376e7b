@CONTRACT_BAD_INPUT @core
Feature: Bad input gets a clear error and loses nothing
  A request the gateway cannot serve is answered at once with an error in
  OpenAI's shape that says what to fix, and never reaches a provider. A config
  the gateway cannot use stops it from starting, with a message naming the field.

  Background:
    Given model "gpt-4o" is served by "primary" then "secondary"
    And requests are limited to 4096 bytes

  Scenario Outline: <what> is rejected with <status>
    When the client posts <body> to "<path>"
    Then the response has status <status>
    And the error message mentions "<hint>"
    And provider "primary" received no requests
    And provider "secondary" received no requests

    Examples:
      | what                | path                     | body                                  | status | hint                 |
      | malformed JSON      | /api/v1/chat/completions | `{"model": "gpt-4o", "messages": [`   | 400    | not a valid JSON     |
      | a JSON array        | /api/v1/embeddings       | `[1, 2, 3]`                           | 400    | JSON object          |
      | a missing model     | /api/v1/chat/completions | `{"messages": []}`                    | 400    | model                |
      | a non-string model  | /api/v1/embeddings       | `{"model": 4, "input": "x"}`          | 400    | must be a string     |
      | an unknown model    | /api/v1/chat/completions | `{"model": "gpt-5", "messages": []}`  | 404    | gpt-5                |
      | a body over the limit | /api/v1/chat/completions | a body of 5000 bytes                | 413    | 4096 bytes           |
      | an unknown endpoint | /api/v1/completions      | `{"model": "gpt-4o", "prompt": "x"}`  | 404    | /api/v1/completions  |

  Scenario: a wrong method is rejected with 405
    When the client sends a GET request to "/api/v1/chat/completions"
    Then the response has status 405
    And the error message mentions "GET"

  Scenario: a config naming an unknown provider stops the gateway from starting
    Given the chain of model "gpt-4o" also names the unconfigured provider "ghost"
    When the gateway is started
    Then the gateway refuses to start, naming "models[0].backend_map[2].provider"
