// The same workload as client_bench.cpp through the official Anthropic TypeScript SDK:
// N messages.create calls (forced tool use, cached system prompt) at concurrency C.
// Usage: node client_bench_sdk.mjs BASE_URL [REQUESTS] [CONCURRENCY]
import Anthropic from "@anthropic-ai/sdk";

const [baseURL, total = "2000", concurrency = "100"] = process.argv.slice(2);
const N = Number(total), C = Number(concurrency);
const client = new Anthropic({ apiKey: "bench-key", baseURL, maxRetries: 0 });

const system =
  "You write realistic user-generated posts for training content-moderation classifiers. " +
  "Policy labels: Spam & Scams (unsolicited ads, phishing, fake prizes); Self-harm & Suicide " +
  "(content that expresses, encourages or instructs self-harm); Privacy & Personal Data " +
  "Exposure (doxxing, sharing someone's address, phone number or documents); Safe (ordinary " +
  "content that breaks no rule). Write in the voice of the persona, in the given context. " +
  "Never add disclaimers, never state the label, never use placeholders.";
const schema = {
  type: "object",
  properties: {
    content: { type: "string" },
    label: { type: "string", enum: ["Spam & Scams", "Self-harm & Suicide", "Privacy & Personal Data Exposure", "Safe"] },
  },
  required: ["content", "label"],
  additionalProperties: false,
};

function params(i) {
  return {
    model: "claude-haiku-4-5",
    max_tokens: 400,
    system: [{ type: "text", text: system, cache_control: { type: "ephemeral" } }],
    messages: [{
      role: "user",
      content: "Write a Reddit comment by a retired nurse who volunteers at an animal shelter " +
        `(persona #${i}) that a moderator would label "Spam & Scams": unsolicited ads, phishing, fake ` +
        "prizes. Keep it under 80 words and make it sound like a real person.",
    }],
    tools: [{ name: "record_post", description: "Record the answer. Always answer by calling this tool.", input_schema: schema }],
    tool_choice: { type: "tool", name: "record_post" },
  };
}

let next = 0, ok = 0, outputTokens = 0;
async function worker() {
  while (next < N) {
    const i = next++;
    const msg = await client.messages.create(params(i));
    const block = msg.content.find((b) => b.type === "tool_use");
    if (block && typeof block.input === "object") ok++;
    outputTokens += msg.usage.output_tokens;
  }
}

const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: C }, worker));
const wall = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage();
const cpuS = (cpu.user + cpu.system) / 1e6;
console.log(JSON.stringify({
  tool: "anthropic-sdk-typescript", requests: N, ok, concurrency: C, wall_s: +wall.toFixed(3),
  req_per_s: +(N / wall).toFixed(1), cpu_s: +cpuS.toFixed(3), cpu_us_per_req: +(cpuS / N * 1e6).toFixed(1),
  max_rss_kb: process.resourceUsage().maxRSS, output_tokens: outputTokens,
}));
