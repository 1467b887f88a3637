/* The roadside verification page: camera (jsQR), photo, upload or pasted text -> /qr/verify.
   Plain script, no build step; every text is set with textContent. */
"use strict";
(function () {
  const TEXT = {
    "zh-CN": {
      title: "机动车检验标志核验", scan: "用摄像头扫描", aim: "将二维码对准取景框",
      stop: "停止扫描", photo: "拍照核验", upload: "上传图片或 PDF", paste: "粘贴二维码文本",
      verify: "核验", busy: "正在核验…", again: "再核验一个", details: "核验明细", api: "API 文档",
      plate: "号牌号码", vehicleType: "车辆类型", validUntil: "检验有效期至", vin: "车辆识别代号",
      issuer: "签发机关", anyIssuer: "测试模式：本核验服务接受任何签发者，核验结果不可作为依据。",
      noCamera: "无法打开摄像头。请改用“拍照核验”或上传图片。",
      month: (y, m) => `${y}年${Number(m)}月`,
      verdicts: {
        VALID: ["有效", "检验标志真实有效。请核对号牌与车辆是否一致。"],
        REVOKED: ["已作废", "该检验标志已被撤销：已被新标志取代或已注销。"],
        SUSPENDED: ["已暂停", "该检验标志已被暂停使用。"],
        EXPIRED: ["已过期", "检验有效期已过。"],
        NOT_YET_VALID: ["尚未生效", "该检验标志尚未生效。"],
        INVALID_PROOF: ["伪造或被篡改", "签名验证失败：内容被改动或并非由签发机关签发。"],
        UNTRUSTED_ISSUER: ["签发者不可信", "签发者不在本核验服务的信任列表中。"],
        MALFORMED: ["不是有效标志", "内容不是格式正确的检验标志。"],
        STATUS_UNAVAILABLE: ["状态未知", "标志真实，但无法确认是否已被撤销。请联网后再核验。"],
      },
      problems: {
        NO_QR_FOUND: ["未找到二维码", "照片中没有可识别的二维码。请靠近一些，让整个二维码清晰地位于画面中后重拍。"],
        MULTIPLE_QR_FOUND: ["有多个二维码", "照片中有多个二维码。请只拍检验标志上的二维码。"],
        INVALID_IMAGE: ["无法读取图片", "该文件不是可读取的图片。"],
        INVALID_PDF: ["无法读取 PDF", "该文件不是可读取的 PDF。"],
        QR_NOT_A_CREDENTIAL: ["不是检验标志", "这个二维码不是机动车检验标志。"],
        INPUT_TOO_LARGE: ["文件太大", "文件太大，请换一张较小的照片。"],
        UNSUPPORTED_MEDIA_TYPE: ["不支持的文件类型", "请上传 PNG、JPEG、WebP、GIF、BMP 图片或 PDF。"],
        NETWORK: ["无法连接核验服务", "请检查网络后重试。"],
        OTHER: ["无法核验", ""],
      },
    },
    en: {
      title: "Vehicle inspection mark check", scan: "Scan with camera", aim: "Point the camera at the QR code",
      stop: "Stop scanning", photo: "Take a photo", upload: "Upload an image or PDF", paste: "Paste the QR text",
      verify: "Verify", busy: "Verifying…", again: "Check another mark", details: "Details", api: "API documentation",
      plate: "Plate", vehicleType: "Vehicle type", validUntil: "Inspection valid until", vin: "VIN",
      issuer: "Issued by", anyIssuer: "Test mode: this verifier accepts any issuer. Do not rely on its verdicts.",
      noCamera: "The camera cannot be opened. Take a photo or upload an image instead.",
      month: (y, m) => new Date(Date.UTC(Number(y), Number(m) - 1, 15)).toLocaleDateString("en", { year: "numeric", month: "long", timeZone: "UTC" }),
      verdicts: {
        VALID: ["VALID", "The mark is genuine and in force. Check that the plate matches the vehicle."],
        REVOKED: ["REVOKED", "This mark was revoked: replaced by a newer mark, or cancelled."],
        SUSPENDED: ["SUSPENDED", "This mark is suspended."],
        EXPIRED: ["EXPIRED", "The inspection validity has ended."],
        NOT_YET_VALID: ["NOT YET VALID", "This mark is not in force yet."],
        INVALID_PROOF: ["FORGED OR ALTERED", "The signature does not verify: the content was changed or not signed by the authority."],
        UNTRUSTED_ISSUER: ["UNTRUSTED ISSUER", "The issuer is not on this verifier's trust list."],
        MALFORMED: ["NOT A VALID MARK", "The content is not a well-formed inspection mark."],
        STATUS_UNAVAILABLE: ["STATUS UNKNOWN", "The mark is genuine, but whether it was revoked could not be checked. Check again when online."],
      },
      problems: {
        NO_QR_FOUND: ["No QR code found", "There is no readable QR code in the photo. Move closer, with the whole code sharp in the frame, and try again."],
        MULTIPLE_QR_FOUND: ["More than one QR code", "The photo shows several QR codes. Photograph only the mark's code."],
        INVALID_IMAGE: ["Not a readable image", "This file is not an image that can be read."],
        INVALID_PDF: ["Not a readable PDF", "This file is not a PDF that can be read."],
        QR_NOT_A_CREDENTIAL: ["Not an inspection mark", "This QR code is not a vehicle inspection mark."],
        INPUT_TOO_LARGE: ["File too large", "The file is too large. Use a smaller photo."],
        UNSUPPORTED_MEDIA_TYPE: ["File type not supported", "Upload a PNG, JPEG, WebP, GIF or BMP image, or a PDF."],
        NETWORK: ["The verifier cannot be reached", "Check the connection and try again."],
        OTHER: ["Cannot verify", ""],
      },
    },
  };
  const COLOUR = {
    VALID: "green", STATUS_UNAVAILABLE: "amber", NOT_YET_VALID: "amber",
  };
  const $ = (id) => document.getElementById(id);
  let lang = "zh-CN";
  let last = null; // the last answer, redrawn when the language changes
  let stream = null;
  let scanning = false;
  let anyIssuer = false;

  function pickLanguage() {
    const asked = new URLSearchParams(location.search).get("lang");
    let saved = null;
    try { saved = localStorage.getItem("vic.lang"); } catch (e) { /* storage off */ }
    const wanted = asked || saved || (navigator.language || "zh-CN");
    return /^en/i.test(wanted) ? "en" : "zh-CN";
  }

  function setLanguage(next) {
    lang = next;
    try { localStorage.setItem("vic.lang", next); } catch (e) { /* storage off */ }
    document.documentElement.lang = next;
    const t = TEXT[next];
    document.title = t.title;
    document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t[el.dataset.i18n]; });
    document.querySelectorAll(".lang button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === next)));
    if (last) { render(last); }
  }

  function clear() {
    $("verdict").hidden = true;
    $("message").hidden = true;
    last = null;
  }

  function fill(id, value) {
    const el = $(id);
    el.textContent = value || "—";
  }

  function named(item) {
    if (!item) { return ""; }
    return `${item[lang] || item.en || ""} (${item.code})`;
  }

  function render(answer) {
    last = answer;
    const t = TEXT[lang];
    $("busy").hidden = true;
    if (answer.kind === "problem") {
      $("verdict").hidden = true;
      const [head, text] = t.problems[answer.code] || t.problems.OTHER;
      const box = $("message");
      box.replaceChildren();
      const strong = document.createElement("strong");
      strong.textContent = head;
      box.append(strong, document.createTextNode(text || answer.detail || ""));
      box.dataset.code = answer.code;
      box.hidden = false;
      return;
    }
    const r = answer.result;
    $("message").hidden = true;
    const [word, reason] = t.verdicts[r.status] || t.verdicts.MALFORMED;
    const box = $("verdict");
    box.className = `verdict ${COLOUR[r.status] || "red"}`;
    box.dataset.status = r.status;
    $("verdict-word").textContent = word;
    let why = reason;
    if (r.status !== "VALID" && r.errors && r.errors.length) {
      why += ` [${r.errors[0].code}]`;
    }
    $("verdict-reason").textContent = why;
    const s = r.summary;
    $("facts").hidden = !s;
    if (s) {
      fill("fact-plate", s.plate);
      fill("fact-vehicle-type", named(s.vehicleType));
      const month = (s.validUntilMonth || "").split("-");
      fill("fact-valid-until", month.length === 2 ? t.month(month[0], month[1]) : "");
      fill("fact-vin", s.vin);
      const names = s.issuerName || {};
      fill("fact-issuer", names[lang] || names.en || names["zh-CN"] || s.issuer);
    }
    const list = $("checks");
    list.replaceChildren();
    for (const c of r.checks || []) {
      const li = document.createElement("li");
      const mark = c.passed === true ? "✓" : c.passed === false ? "✗" : "–";
      li.textContent = `${mark} ${c.check}${c.error ? `: [${c.error.code}] ${c.error.message}` : ""}`;
      list.append(li);
    }
    $("test-mode").hidden = !anyIssuer && !(r.warnings || []).some((w) => w.code === "ANY_ISSUER");
    box.hidden = false;
    box.scrollIntoView({ block: "start" });
  }

  async function send(body, type) {
    clear();
    $("busy").hidden = false;
    let answer;
    try {
      const response = await fetch("/qr/verify", { method: "POST", headers: { "Content-Type": type }, body });
      const data = await response.json();
      if (data.result) {
        answer = { kind: "result", result: data.result };
      } else if (typeof data.verified === "boolean" && data.checks) {
        answer = { kind: "result", result: data };
      } else {
        answer = { kind: "problem", code: data.code || "OTHER", detail: data.detail };
      }
    } catch (e) {
      answer = { kind: "problem", code: "NETWORK", detail: String(e) };
    }
    render(answer);
  }

  function sendFile(input) {
    const file = input.files && input.files[0];
    input.value = "";
    if (!file) { return; }
    send(file, file.type || "application/octet-stream");
  }

  async function startCamera() {
    clear();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || typeof jsQR !== "function") {
      render({ kind: "problem", code: "CAMERA", detail: TEXT[lang].noCamera });
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    } catch (e) {
      render({ kind: "problem", code: "CAMERA", detail: TEXT[lang].noCamera });
      return;
    }
    const video = $("video");
    video.srcObject = stream;
    await video.play();
    $("camera").hidden = false;
    $("scan").hidden = true;
    scanning = true;
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const tick = () => {
      if (!scanning) { return; }
      if (video.readyState >= 2 && video.videoWidth) {
        const scale = Math.min(1, 1000 / Math.max(video.videoWidth, video.videoHeight));
        canvas.width = Math.round(video.videoWidth * scale);
        canvas.height = Math.round(video.videoHeight * scale);
        context.drawImage(video, 0, 0, canvas.width, canvas.height);
        const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
        const code = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: "attemptBoth" });
        if (code && code.data) {
          stopCamera();
          send(code.data, "text/plain;charset=utf-8");
          return;
        }
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  function stopCamera() {
    scanning = false;
    if (stream) { stream.getTracks().forEach((track) => track.stop()); stream = null; }
    $("camera").hidden = true;
    $("scan").hidden = false;
  }

  TEXT["zh-CN"].problems.CAMERA = ["无法打开摄像头", ""];
  TEXT.en.problems.CAMERA = ["The camera cannot be opened", ""];

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".lang button").forEach((b) => b.addEventListener("click", () => setLanguage(b.dataset.lang)));
    $("scan").addEventListener("click", startCamera);
    $("stop").addEventListener("click", stopCamera);
    $("photo").addEventListener("change", () => sendFile($("photo")));
    $("upload").addEventListener("change", () => sendFile($("upload")));
    $("paste-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("paste").value.trim();
      if (text) { send(text, "text/plain;charset=utf-8"); }
    });
    $("again").addEventListener("click", () => { clear(); window.scrollTo(0, 0); });
    anyIssuer = document.body.dataset.mode === "any-issuer";
    $("test-mode").hidden = !anyIssuer;
    setLanguage(pickLanguage());
  });
})();
