-- The inputs of the LLM prompt, so `aida export` rebuilds the exact prompt the model saw.
ALTER TABLE investigations ADD COLUMN prompt_input_json TEXT;
