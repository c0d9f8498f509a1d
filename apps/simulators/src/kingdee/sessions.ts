// AuthService (ValidateUser, LoginByAppSecret, Logout) and the session a later call is recognised
// by: the `kdservice-sessionid` cookie or header, or the `ASP.NET_SessionId` cookie (kingdee.md).
import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { argumentsOf, cookiesOf, failureEnvelope, json, MSG, type Answer } from "./http";
import type { KingdeeSimAccount } from "./options";

export interface Session {
  kd: string;
  asp: string;
  account: KingdeeSimAccount;
  lcid: number;
  lastSeen: number;
}

/** A login answer: the documented fields plus the ones a real server sends alongside them. */
function loginResult(fields: { Message: string | null; MessageCode: string | null; LoginResultType: number; Context: object | null; KDSVCSessionId: string | null }) {
  return {
    ...fields,
    FormId: null,
    RedirectFormParam: null,
    FormInputObject: null,
    ErrorStackTrace: null,
    Lcid: 0,
    AccessToken: null,
    KdAccessResult: null,
    IsSuccessByAPI: fields.LoginResultType === 1,
  };
}

const MAX_CENTERS = 100_000;

export class Sessions {
  private readonly sessions = new Map<string, Session>();
  /**
   * Data center of every session id handed out (kd and asp), kept after the session ends; the
   * oldest are forgotten past MAX_CENTERS ids, so a long soak that logs in often stays bounded.
   */
  private readonly centers = new Map<string, string>();
  logins = 0;
  loginFailures = 0;

  constructor(
    private readonly accounts: KingdeeSimAccount[],
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.sessions.size;
  }

  end(session: Session): void {
    this.sessions.delete(session.kd);
  }

  expireAll(): void {
    this.sessions.clear();
  }

  reset(): void {
    this.sessions.clear();
    this.centers.clear();
    this.logins = 0;
    this.loginFailures = 0;
  }

  validateUser(body: Record<string, unknown>): Answer {
    const args = argumentsOf(body, ["acctID", "username", "password", "lcid"]);
    if (!args) return json(failureEnvelope("parameters 应为 JSON 数组。", MSG.badParameter));
    const [acctId, username, password, lcid] = args;
    const inCenter = this.accounts.filter((a) => a.acctId === acctId);
    const account = inCenter.find((a) => a.username === username && a.password === password);
    return this.login(inCenter.length ? account : undefined, lcid, inCenter.length && !account ? "用户名或密码错误！" : undefined);
  }

  loginByAppSecret(body: Record<string, unknown>): Answer {
    const args = argumentsOf(body, ["acctID", "username", "appId", "appSecret", "lcid"]);
    if (!args) return json(failureEnvelope("parameters 应为 JSON 数组。", MSG.badParameter));
    const [acctId, username, appId, appSecret, lcid] = args;
    const inCenter = this.accounts.filter((a) => a.acctId === acctId);
    const account = inCenter.find((a) => a.username === username && a.appId === appId && a.appSecret === appSecret);
    return this.login(inCenter.length ? account : undefined, lcid, inCenter.length && !account ? "应用ID、应用密钥或用户名不正确，请在第三方系统登录授权中核对。" : undefined);
  }

  /**
   * The data center a request's session id belongs to, also when that session has expired or
   * ended (the call still reaches that data center); undefined for ids never handed out. Does not
   * touch the session.
   */
  acctIdOf(req: IncomingMessage): string | undefined {
    const { kd, asp } = this.ids(req);
    return (kd && this.centers.get(kd)) || (asp && this.centers.get(asp)) || undefined;
  }

  private ids(req: IncomingMessage): { kd: string | undefined; asp: string | undefined } {
    const cookies = cookiesOf(req);
    const header = req.headers["kdservice-sessionid"];
    return { kd: cookies.get("kdservice-sessionid") ?? (typeof header === "string" ? header : undefined), asp: cookies.get("ASP.NET_SessionId") };
  }

  authenticate(req: IncomingMessage): Session | undefined {
    const { kd, asp } = this.ids(req);
    let session = kd ? this.sessions.get(kd) : undefined;
    if (!session && asp) session = [...this.sessions.values()].find((s) => s.asp === asp);
    if (!session) return undefined;
    if (Date.now() - session.lastSeen > this.ttlMs) {
      this.sessions.delete(session.kd);
      return undefined;
    }
    session.lastSeen = Date.now();
    return session;
  }

  private login(account: KingdeeSimAccount | undefined, lcid: unknown, failure: string | undefined): Answer {
    if (!account || failure) {
      this.loginFailures++;
      return json(loginResult({ Message: failure ?? "数据中心不存在。", MessageCode: null, LoginResultType: 0, Context: null, KDSVCSessionId: null }));
    }
    this.logins++;
    const session: Session = {
      kd: randomUUID(),
      asp: randomBytes(12).toString("hex"),
      account,
      lcid: Number(lcid) || 2052,
      lastSeen: Date.now(),
    };
    this.sessions.set(session.kd, session);
    this.centers.set(session.kd, account.acctId).set(session.asp, account.acctId);
    for (const id of this.centers.keys()) {
      if (this.centers.size <= MAX_CENTERS) break;
      this.centers.delete(id);
    }
    const answer = json(
      loginResult({
        Message: null,
        MessageCode: "CheckPasswordPolicy",
        LoginResultType: 1,
        Context: {
          UserLocale: "zh-CN",
          LogLocale: "zh-CN",
          DBid: account.acctId,
          DatabaseType: 3,
          SessionId: session.asp,
          UseLanguages: [{ LocaleId: 2052, LocaleName: "中文(简体/中国)", Alias: "CN" }],
          UserId: 16394,
          UserName: account.username,
          CustomName: account.dataCenterName,
          DisplayVersion: "8.2.0.0 (simulator)",
          DataCenterName: account.dataCenterName,
          UserToken: randomUUID(),
          CurrentOrganizationInfo: { ID: 1, AcctOrgType: "1", Name: "总公司" },
          IsCH_ZH_AutoTrans: false,
          ClientType: 32,
          TRLevel: 0,
          ProductEdition: 0,
          DataCenterNumber: account.acctId,
        },
        KDSVCSessionId: session.kd,
      }),
    );
    answer.cookies = [`kdservice-sessionid=${session.kd}; path=/`, `ASP.NET_SessionId=${session.asp}; path=/; HttpOnly; SameSite=Lax`];
    return answer;
  }
}
