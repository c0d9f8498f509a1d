// What a channel's address looks like where people and logs see it (the settings page, lastError,
// the worker's log): never the token, whether the platform puts it in the query or in the path.
import { describe, expect, it } from "vitest";
import { displayUrlOf } from "./channel-config";

describe("displayUrlOf", () => {
  it.each([
    // Robots: the token is in the query; their documented path is shown whole.
    ["https://oapi.dingtalk.com/robot/send?access_token=t0k3n", "https://oapi.dingtalk.com/robot/send"],
    ["https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k3y", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"],
    // Webhooks with the token in the path, in any segment: no segment is shown (session 35's audit:
    // the first one was, and Telegram's and Bark's token is the first one).
    ["https://open.feishu.cn/open-apis/bot/v2/hook/6f1c2e0a-93b7-4d55", "https://open.feishu.cn/…"],
    ["https://hooks.slack.com/services/T000/B000/XXXXSECRET", "https://hooks.slack.com/…"],
    ["https://discord.com/api/webhooks/123/tokenpart", "https://discord.com/…"],
    ["https://api.telegram.org/bot1234567890:AAHfQx9Zk3pLr7Vt0bNw2sYc4mKd8uE6jGi/sendMessage?chat_id=-100123", "https://api.telegram.org/…"],
    ["https://api.day.app/Zk3pLr7Vt0bNw2sYc4mKd8/Qiao%20alert", "https://api.day.app/…"],
    // A one-segment path may be the token itself.
    ["https://hooks.example.test/0123456789abcdef", "https://hooks.example.test/…"],
    ["https://hooks.example.test/", "https://hooks.example.test/"],
    // Credentials, query and fragment never.
    ["https://user:pass@hooks.example.test:8443/a/b?token=x#frag", "https://hooks.example.test:8443/…"],
    ["not a url", ""],
  ])("%s → %s", (url, shown) => {
    expect(displayUrlOf(url)).toBe(shown);
    // Shown again (a stored displayUrl), it stays the same.
    expect(displayUrlOf(shown)).toBe(shown);
  });
});
