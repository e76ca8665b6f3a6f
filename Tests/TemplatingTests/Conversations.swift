/// Template contexts (as the JSON a test hands to both renderers), grouped by what they exercise.
enum Conversations {
    static let weatherTool = #"{"type": "function", "function": {"name": "get_weather", "description": "Get the current weather in a city", "parameters": {"type": "object", "properties": {"location": {"type": "string", "description": "City name, e.g. Paris"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["location"]}}}"#
    static let timeTool = #"{"type": "function", "function": {"name": "get_time", "description": "Current time in a time zone", "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]}}}"#
    static let tokens = #""bos_token": "<s>", "eos_token": "</s>""#

    /// Plain chats every template must handle.
    static let basic: [(String, String)] = [
        ("system+user", #"{"messages": [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello!"}], "add_generation_prompt": true, \#(tokens)}"#),
        ("user, no generation prompt", #"{"messages": [{"role": "user", "content": "What is 2+2?"}], "add_generation_prompt": false, \#(tokens)}"#),
        ("multi-turn", #"{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  I am an assistant  "}, {"role": "user", "content": "Another question"}], "add_generation_prompt": true, \#(tokens)}"#),
        ("system multi-turn unicode", #"{"messages": [{"role": "system", "content": "  Be brief.\n"}, {"role": "user", "content": "Héllo “quotes” 'single' \"double\" \\ back\n\tTabbed {{ braces }} {% not a tag %} 😀"}, {"role": "assistant", "content": "Ça va ✓"}, {"role": "user", "content": "日本語で?"}], "add_generation_prompt": false, \#(tokens)}"#),
        ("no generation prompt variable", #"{"messages": [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there"}], \#(tokens)}"#),
    ]

    /// Chats with tool definitions, assistant tool calls and tool results.
    static let tools: [(String, String)] = [
        ("tools+system+user", #"{"messages": [{"role": "system", "content": "You can check the weather."}, {"role": "user", "content": "Weather in Paris?"}], "tools": [\#(weatherTool), \#(timeTool)], "add_generation_prompt": true, \#(tokens)}"#),
        ("tools+call+result", #"{"messages": [{"role": "user", "content": "Weather in Paris?"}, {"role": "assistant", "content": "", "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"location": "Paris", "unit": "celsius"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "name": "get_weather", "content": "{\"temperature\": 21.5, \"sky\": \"clear\"}"}], "tools": [\#(weatherTool)], "add_generation_prompt": true, \#(tokens)}"#),
        ("call+result without tools", #"{"messages": [{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}, {"role": "assistant", "content": "Let me check.", "tool_calls": [{"id": "abc123xyz", "type": "function", "function": {"name": "get_weather", "arguments": {"location": "Oslo"}}}]}, {"role": "tool", "tool_call_id": "abc123xyz", "content": "cold"}, {"role": "assistant", "content": "It is cold."}, {"role": "user", "content": "Thanks"}], "add_generation_prompt": true, \#(tokens)}"#),
        ("parallel calls", #"{"messages": [{"role": "user", "content": "Weather and time in Rome?"}, {"role": "assistant", "content": null, "tool_calls": [{"id": "call00001", "type": "function", "function": {"name": "get_weather", "arguments": {"location": "Rome"}}}, {"id": "call00002", "type": "function", "function": {"name": "get_time", "arguments": {"zone": "Europe/Rome"}}}]}, {"role": "tool", "tool_call_id": "call00001", "content": "sunny"}, {"role": "tool", "tool_call_id": "call00002", "content": "12:00"}], "tools": [\#(weatherTool), \#(timeTool)], "add_generation_prompt": true, \#(tokens)}"#),
    ]

    /// Llama 3.1's extra variables: builtin tools, the date, tools in the system message.
    static let llama31: [(String, String)] = [
        ("builtin tools and date", #"{"messages": [{"role": "system", "content": "Answer well."}, {"role": "user", "content": "Search the news"}], "builtin_tools": ["brave_search", "wolfram_alpha", "code_interpreter"], "tools": [\#(weatherTool)], "date_string": "23 Jul 2024", "add_generation_prompt": true, \#(tokens)}"#),
        ("tools in system message", #"{"messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": [\#(weatherTool)], "tools_in_user_message": false, "date_string": "01 Jan 2025", "add_generation_prompt": true, \#(tokens)}"#),
        ("builtin tool call", #"{"messages": [{"role": "user", "content": "Search for swift"}, {"role": "assistant", "tool_calls": [{"type": "function", "function": {"name": "brave_search", "arguments": {"query": "swift language"}}}]}, {"role": "ipython", "content": {"results": ["a", "b"], "count": 2}}], "builtin_tools": ["brave_search"], "add_generation_prompt": true, \#(tokens)}"#),
        ("custom tools, no user message", #"{"messages": [{"role": "system", "content": "Sys"}], "custom_tools": [\#(weatherTool)], "add_generation_prompt": true, \#(tokens)}"#),
        ("tool result as list", #"{"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"location": "Lima"}}}]}, {"role": "tool", "content": [1, 2.5, "x", null, true]}], "tools": [\#(weatherTool)], "add_generation_prompt": false, \#(tokens)}"#),
    ]

    /// Role-order rules (Gemma, Mistral) and rich content (Gemma 3).
    static let roles: [(String, String)] = [
        ("two user turns in a row", #"{"messages": [{"role": "user", "content": "One"}, {"role": "user", "content": "Two"}], "add_generation_prompt": true, \#(tokens)}"#),
        ("assistant first", #"{"messages": [{"role": "assistant", "content": "Hi"}, {"role": "user", "content": "Hello"}], "add_generation_prompt": true, \#(tokens)}"#),
        ("content parts", #"{"messages": [{"role": "system", "content": [{"type": "text", "text": "Describe images."}]}, {"role": "user", "content": [{"type": "image"}, {"type": "text", "text": "  What is this?  "}]}], "add_generation_prompt": true, \#(tokens)}"#),
    ]
}
