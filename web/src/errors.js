import { t } from "./i18n.js";
import { ApiError } from "./api.js";

// A refusal in plain words: the server's one-line reason, else what the status means.
export function errorText(e) {
  if (e instanceof ApiError) {
    if (e.status === 401) return t("error.401");
    const why = e.status === 403 ? t("error.403") : e.status === 409 ? t("error.409") : e.status === 413 ? t("error.413") :
      e.status === 422 ? t("error.422") : e.status >= 500 ? t("error.5xx") : t("error.status", { status: e.status });
    return e.message ? t("error.with_reason", { what: why, reason: e.message }) : why;
  }
  return t("error.network");
}

