// zod's own messages in our two languages, made once: a parse in zh-CN for what a person reads first,
// the same parse in English for an English page (issue for issue).
import { z } from "zod";

let zhLocale: z.core.$ZodErrorMap | undefined;
let enLocale: z.core.$ZodErrorMap | undefined;
export const zhCN = () => (zhLocale ??= z.locales.zhCN().localeError);
export const en = () => (enLocale ??= z.locales.en().localeError);
