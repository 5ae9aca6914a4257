// UI strings in English and Chinese. Answer section names come from the server (prompts/schema.py SECTION_LABELS).
"use strict";
const STRINGS = {
  en: {
    skip: "Skip to the question", newChat: "New conversation", admin: "Admin", language: "Language",
    recent: "Recent conversations", question: "Your question", placeholder: "Ask about your company's documents…",
    ask: "Ask", sources: "Sources", close: "Close sources", searching: "Searching the documents…",
    writing: "Writing the answer…", done: "Answer ready.", page: "page {p}",
    attachment: "attachment {name}", attachmentOfMail: "attachment {name} of mail {mail}", ocr: "scanned text (OCR)",
    cite: "Show source {n}", helpful: "Helpful", notHelpful: "Not helpful", comment: "Optional comment",
    send: "Send", thanks: "Thanks for the feedback.", feedbackFailed: "Feedback could not be sent.",
    error: "Something went wrong: {msg}", network: "The server could not be reached.",
    noConversations: "No conversations yet.", untitled: "Untitled", stopped: "Stopped.",
    menu: "Conversations", stop: "Stop", copy: "Copy answer", copied: "Copied", copyFailed: "Could not copy",
    regenerate: "Regenerate", edit: "Edit question",
    editing: "Editing a question: its answer and those after it will be replaced.",
    stoppedNote: "Stopped: the answer was not finished. Regenerate asks again.",
    count: "{n} / {max} characters", tooLong: "Your question has {n} characters; the limit is {max}. Shorten it to ask.",
    answerLabel: "Answer", answeredIn: "Answered in {t} by {model}", searchedIn: "Searched in {t}",
    seconds: "{n} s", underASecond: "under a second",
    welcomeTitle: "Ask the company's documents", examples: "Example questions",
    welcomeText: "Ask a question about the documents you may read; every answer cites its sources.",
    preview: "Preview", download: "Download the original", downloadText: "Download the indexed text", openPage: "Open where it lives", closePreview: "Close", loading: "Loading…",
    previewMissing: "This document is no longer available.",
    // admin
    adminTitle: "Perimeter admin", token: "Admin token", saveToken: "Use token", forget: "Forget token",
    tokenHint: "Kept in this tab only (sessionStorage).", sourcesTitle: "Sources", reindex: "Re-index",
    reindexAll: "Re-index all", jobs: "Jobs", refresh: "Refresh", name: "Name", path: "Path",
    collection: "Collection", groups: "Groups", state: "State", progress: "Progress", started: "Started",
    failed: "failed", files: "files", ocrPages: "OCR pages: {n}", chunks: "Chunks: +{a} ~{u} −{r} ={s}", errors: "Errors", reason: "Reason",
    noErrors: "No per-file errors.", needToken: "Enter the admin token to continue.", jobStarted: "Job {id} started.",
    unauthorized: "The token was refused.", disabled: "The admin API is disabled (PERIMETER_ADMIN_TOKEN unset).",
    noSources: "No sources configured (sources.yaml).", noJobs: "No jobs yet.", back: "Back to chat",
    feedbackExport: "Export feedback (JSON lines)", cancel: "Cancel",
    families: "Document families", title: "Title", status: "Status", version: "Version", effective: "Effective",
    makeCurrent: "Make current", noFamilies: "No document has several versions.",
    staleCount: "{n} stale documents (see /v1/admin/versions/stale).",
  },
  zh: {
    skip: "跳到提问框", newChat: "新对话", admin: "管理", language: "语言",
    recent: "最近的对话", question: "您的问题", placeholder: "请输入关于公司文档的问题…",
    ask: "提问", sources: "来源", close: "关闭来源", searching: "正在检索文档…",
    writing: "正在生成回答…", done: "回答已完成。", page: "第 {p} 页",
    attachment: "附件 {name}", attachmentOfMail: "邮件 {mail} 的附件 {name}", ocr: "扫描件文字（OCR）",
    cite: "查看来源 {n}", helpful: "有帮助", notHelpful: "没有帮助", comment: "补充意见（可选）",
    send: "提交", thanks: "感谢您的反馈。", feedbackFailed: "反馈提交失败。",
    error: "出错了：{msg}", network: "无法连接服务器。",
    noConversations: "暂无对话。", untitled: "未命名", stopped: "已停止。",
    menu: "对话列表", stop: "停止", copy: "复制回答", copied: "已复制", copyFailed: "复制失败",
    regenerate: "重新生成", edit: "编辑问题",
    editing: "正在编辑问题：它的回答及之后的对话将被替换。",
    stoppedNote: "已停止：回答未完成。点击“重新生成”可再次提问。",
    count: "{n} / {max} 字", tooLong: "问题共 {n} 字，上限为 {max} 字。请缩短后再提问。",
    answerLabel: "回答", answeredIn: "{model} 用时 {t} 作答", searchedIn: "检索用时 {t}",
    seconds: "{n} 秒", underASecond: "不到 1 秒",
    welcomeTitle: "向公司文档提问", examples: "示例问题",
    welcomeText: "就您有权阅读的文档提问；每个回答都会注明出处。",
    preview: "预览", download: "下载原文件", downloadText: "下载索引文本", openPage: "打开原页面", closePreview: "关闭", loading: "正在加载…",
    previewMissing: "该文档已不可用。",
    adminTitle: "Perimeter 管理", token: "管理员令牌", saveToken: "使用令牌", forget: "清除令牌",
    tokenHint: "仅保存在当前标签页（sessionStorage）。", sourcesTitle: "数据源", reindex: "重建索引",
    reindexAll: "全部重建索引", jobs: "任务", refresh: "刷新", name: "名称", path: "路径",
    collection: "集合", groups: "权限组", state: "状态", progress: "进度", started: "开始时间",
    failed: "失败", files: "个文件", ocrPages: "OCR 页数：{n}", chunks: "分块：+{a} ~{u} −{r} ={s}", errors: "错误", reason: "原因",
    noErrors: "没有文件出错。", needToken: "请输入管理员令牌。", jobStarted: "任务 {id} 已开始。",
    unauthorized: "令牌无效。", disabled: "管理接口未启用（未设置 PERIMETER_ADMIN_TOKEN）。",
    noSources: "未配置数据源（sources.yaml）。", noJobs: "暂无任务。", back: "返回对话",
    feedbackExport: "导出反馈（JSON lines）", cancel: "取消",
    families: "文档版本族", title: "标题", status: "状态", version: "版本", effective: "生效日期",
    makeCurrent: "设为现行版本", noFamilies: "没有文档有多个版本。",
    staleCount: "{n} 份文档需要复核（见 /v1/admin/versions/stale）。",
  },
};

const I18N = {
  lang: "en",
  labels: {},
  init() {
    const saved = localStorage.getItem("perimeter.lang");
    const browser = (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
    this.set(saved === "en" || saved === "zh" ? saved : browser, false);
    const select = document.getElementById("lang");
    if (select) {
      select.value = this.lang;
      select.addEventListener("change", () => this.set(select.value, true));
    }
    return fetch("/web/labels.json").then((r) => r.json()).then((l) => { this.labels = l; }).catch(() => {});
  },
  set(lang, remember) {
    this.lang = lang;
    if (remember) localStorage.setItem("perimeter.lang", lang);
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = this.t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.placeholder = this.t(el.dataset.i18nPlaceholder);
    });
    document.querySelectorAll("[data-i18n-label]").forEach((el) => {
      el.setAttribute("aria-label", this.t(el.dataset.i18nLabel));
    });
    document.dispatchEvent(new CustomEvent("langchange"));
  },
  t(key, vars) {
    let text = (STRINGS[this.lang] || STRINGS.en)[key] ?? STRINGS.en[key] ?? key;
    for (const [k, v] of Object.entries(vars || {})) text = text.replace(`{${k}}`, v);
    return text;
  },
  // Section names follow the answer's own language, like every other front door.
  section(language, key) {
    const l = this.labels[language] || this.labels.en || {};
    return l[key] || key;
  },
};
