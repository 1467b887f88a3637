// The owner page: sign in with an owner token or a one-time link, see your own and filed
// vehicles with each mark's validity, download the mark, print the PDF, get a wallet offer QR,
// apply for the exemption mark, order a paper mark. Plain JavaScript; it calls the issuer's
// API (relative to this page) with the owner token, kept in sessionStorage only.
'use strict';

const TEXT = {
  'zh-CN': {
    title: '我的机动车检验标志', signInTitle: '登录', tokenLabel: '车主令牌', signIn: '登录',
    signInHelp: '请输入车主令牌，或打开车管所提供的一次性登录链接。',
    signedInAs: '已登录账号', signOut: '退出', noVehicles: '没有登记在您名下或备案的车辆。',
    filed: '备案车辆', vin: '车辆识别代号', vehicleType: '车辆类型', markNumber: '标志编号',
    validUntil: '检验有效期至', download: '下载文件', pdf: '打印 PDF', offer: '钱包二维码',
    exempt: '申请免检标志', paper: '补领纸质标志', reason: '原因', lost: '遗失', damaged: '损坏',
    delivery: '领取方式', mail: '邮寄', pickup: '自取', order: '提交', txCode: '一次性验证码',
    offerHelp: '用钱包扫描二维码，并输入验证码。二维码15分钟内有效，只能使用一次。',
    noTxCode: '无需验证码',
    valid: '有效', soon: '即将到期', expired: '已过期', revoked: '已作废', suspended: '已暂停',
    noMark: '无有效标志', linkUsed: '已通过一次性链接登录。',
    badToken: '令牌无效或已过期，请重新登录。', failed: '操作失败',
    exempted: n => `已签发免检标志，编号 ${n}。`, sameMark: n => `本期免检标志已签发，编号 ${n}。`,
    ordered: n => `已登记补领申请，单号 ${n}。不签发新标志。`,
    downloaded: f => `已下载 ${f}。`,
  },
  en: {
    title: 'My vehicle inspection marks', signInTitle: 'Sign in', tokenLabel: 'Owner token',
    signIn: 'Sign in',
    signInHelp: 'Enter your owner token, or open the one-time sign-in link the vehicle office gave you.',
    signedInAs: 'Signed in as', signOut: 'Sign out',
    noVehicles: 'No vehicles are registered in your name or filed with you.',
    filed: 'Filed vehicle', vin: 'VIN', vehicleType: 'Vehicle type', markNumber: 'Mark number',
    validUntil: 'Valid until', download: 'Download file', pdf: 'Print (PDF)',
    offer: 'Wallet QR code', exempt: 'Apply for exemption mark', paper: 'Order paper mark',
    reason: 'Reason', lost: 'Lost', damaged: 'Damaged', delivery: 'Delivery', mail: 'By mail',
    pickup: 'Pick up', order: 'Order', txCode: 'One-time code',
    offerHelp: 'Scan the QR code with your wallet and enter the code. It works once, within 15 minutes.',
    noTxCode: 'No code needed',
    valid: 'Valid', soon: 'Expires soon', expired: 'Expired', revoked: 'Revoked',
    suspended: 'Suspended', noMark: 'No valid mark', linkUsed: 'Signed in with a one-time link.',
    badToken: 'The token is not valid or has expired: sign in again.', failed: 'Failed',
    exempted: n => `Exemption mark issued, number ${n}.`,
    sameMark: n => `This period's exemption mark was issued before: number ${n}.`,
    ordered: n => `Paper mark ordered (order ${n}). No new mark is issued.`,
    downloaded: f => `Downloaded ${f}.`,
  },
};
// What the issuer's refusals mean, for people (the server's detail is shown when a code is not
// listed here).
const REFUSALS = {
  'zh-CN': {
    TOO_EARLY: '现在还不能申请：申请期尚未开始，当前标志仍然有效。',
    VAN: '面包车不适用免检。', TOO_MANY_SEATS: '座位数不符合免检条件。',
    NOT_ELIGIBLE_CATEGORY: '该车辆类型不适用免检。',
    CASUALTY_ACCIDENT: '车辆发生过造成人员伤亡的交通事故，不适用免检。',
    TOO_OLD: '车龄已超过免检年限，请到检验机构上线检验。',
    NOT_IN_APPLICATION_YEAR: '今年需要上线检验，不能申请免检标志。',
    INSPECTION_OVERDUE: '检验已逾期，请先到检验机构检验。',
    MARK_EXPIRED: '标志已过期，请先检验。', NO_CURRENT_MARK: '该车辆没有有效标志。',
    VEHICLE_CANCELLED: '该车辆已注销。', NOT_OWNER: '该车辆不在您名下，也未备案。',
  },
  en: {
    TOO_EARLY: 'Too early: the application period has not started; the current mark is still valid.',
    VAN: 'Vans are not exempt.', TOO_MANY_SEATS: 'Too many seats for the exemption.',
    NOT_ELIGIBLE_CATEGORY: 'This kind of vehicle is not exempt.',
    CASUALTY_ACCIDENT: 'The vehicle was in an accident with casualties: no exemption.',
    TOO_OLD: 'The vehicle is too old for the exemption: take it to an inspection station.',
    NOT_IN_APPLICATION_YEAR: 'This year needs an on-site inspection, not an exemption mark.',
    INSPECTION_OVERDUE: 'The inspection is overdue: take the vehicle to a station first.',
    MARK_EXPIRED: 'The mark has expired: the vehicle needs an inspection.',
    NO_CURRENT_MARK: 'The vehicle has no valid mark.', VEHICLE_CANCELLED: 'The registration is cancelled.',
    NOT_OWNER: 'The vehicle is neither in your name nor filed with you.',
  },
};
const SOON_MS = 30 * 24 * 3600 * 1000;
const API = location.pathname.replace(/\/owner\/?$/, '');
let lang = localStorage.getItem('vic-lang') ||
  (navigator.language && navigator.language.startsWith('zh') ? 'zh-CN' : 'en');
if (!TEXT[lang]) lang = 'zh-CN';

const $ = id => document.getElementById(id);
const t = (key, ...args) => {
  const value = TEXT[lang][key];
  return typeof value === 'function' ? value(...args) : value;
};

function applyLanguage(root = document) {
  document.documentElement.lang = lang;
  document.title = t('title');
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.setAttribute('aria-pressed', String(button.dataset.lang === lang));
  }
  for (const item of document.querySelectorAll('.vehicle')) paintValidity(item);
  if (messageKey && root === document) $('message').textContent = t(messageKey);
}

let messageKey = null;

function showMessage(text, kind = 'error', key = null) {
  messageKey = key;
  const box = $('message');
  box.textContent = text;
  box.className = `message ${kind === 'info' ? 'info' : ''}`;
  box.hidden = !text;
}

function token() { return sessionStorage.getItem('vic-owner-token'); }

async function api(path, options = {}) {
  const headers = {Accept: 'application/json', ...(options.headers || {})};
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const response = await fetch(API + path, {...options, headers});
  if (response.status === 401) {
    sessionStorage.removeItem('vic-owner-token');
    showSignIn();
    showMessage(t('badToken'), 'error', 'badToken');
    throw new Error('unauthenticated');
  }
  return response;
}

async function problemText(response) {
  try {
    const body = await response.json();
    const known = REFUSALS[lang][body.code];
    return `${t('failed')}: ${known || body.detail || body.error_description || response.status} (${body.code || response.status})`;
  } catch (e) {
    return `${t('failed')}: HTTP ${response.status}`;
  }
}

function showSignIn() {
  $('signin').hidden = false;
  $('account').hidden = true;
}

async function redeemLink() {
  const match = location.hash.match(/^#link=([A-Za-z0-9_-]{20,64})$/);
  if (!match) return;
  sessionStorage.removeItem('vic-owner-token');
  history.replaceState(null, '', location.pathname);
  const response = await fetch(`${API}/owner-links/redeem`, {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify({code: match[1]}),
  });
  if (!response.ok) {
    showSignIn();
    showMessage(await problemText(response));
    return;
  }
  const body = await response.json();
  sessionStorage.setItem('vic-owner-token', body.token);
  showMessage(t('linkUsed'), 'info', 'linkUsed');
}

function monthEnd(iso) {
  return new Intl.DateTimeFormat('sv-SE', {timeZone: 'Asia/Shanghai'}).format(new Date(iso));
}

function paintValidity(item) {
  const badge = item.querySelector('.validity');
  const status = item.status;
  let kind = 'bad';
  let key = 'noMark';
  if (status) {
    const left = new Date(status.validUntil).getTime() - Date.now();
    if (status.revoked) key = 'revoked';
    else if (status.suspended) key = 'suspended';
    else if (left < 0) key = 'expired';
    else if (left < SOON_MS) { kind = 'warn'; key = 'soon'; }
    else { kind = 'ok'; key = 'valid'; }
  }
  badge.className = `validity ${kind}`;
  badge.dataset.state = key;
  badge.textContent = t(key);
}

function result(item, text, bad = false) {
  const box = item.querySelector('.result');
  box.textContent = text;
  box.className = `result${bad ? ' bad' : ''}`;
  box.hidden = false;
}

async function save(item, path, name) {
  const response = await api(path);
  if (!response.ok) { result(item, await problemText(response), true); return; }
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  result(item, t('downloaded', name));
}

async function act(item, vehicle, action) {
  item.querySelector('.result').hidden = true;
  const vin = encodeURIComponent(vehicle.vin);
  const number = item.status ? item.status.numberText : 'mark';
  if (action === 'download') return save(item, `/vehicles/${vin}/mark`, `mark-${number}.json`);
  if (action === 'pdf') return save(item, `/vehicles/${vin}/mark.pdf`, `mark-${number}.pdf`);
  if (action === 'paper') { item.querySelector('.paper-form').hidden = false; return; }
  if (action === 'offer') {
    const response = await api(`/vehicles/${vin}/offers`, {
      method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}',
    });
    if (!response.ok) { result(item, await problemText(response), true); return; }
    const offer = await response.json();
    const box = item.querySelector('.offer');
    box.querySelector('.offer-qr').src = offer.qrPng;
    box.querySelector('.tx-code').textContent = offer.txCode || t('noTxCode');
    box.querySelector('.offer-uri').value = offer.offerUri;
    box.hidden = false;
    return;
  }
  if (action === 'exempt') {
    const response = await api(`/vehicles/${vin}/exemption-applications`, {method: 'POST'});
    if (!response.ok) { result(item, await problemText(response), true); return; }
    const mark = await response.json();
    result(item, response.status === 201 ? t('exempted', mark.numberText) : t('sameMark', mark.numberText));
    await refresh(item, vehicle, mark.number);
  }
}

async function refresh(item, vehicle, number) {
  item.status = null;
  if (number != null) {
    const response = await api(`/marks/${number}/status`);
    if (response.ok) item.status = await response.json();
  }
  item.querySelector('.number').textContent = item.status ? item.status.numberText : '—';
  item.querySelector('.until').textContent = item.status ? monthEnd(item.status.validUntil) : '—';
  paintValidity(item);
}

async function showVehicles() {
  const response = await api('/vehicles');
  if (!response.ok) { showMessage(await problemText(response)); return; }
  const vehicles = await response.json();
  $('signin').hidden = true;
  $('account').hidden = false;
  $('account-id').textContent = vehicles.length ? vehicles[0].owner : '';
  const list = $('vehicles');
  list.replaceChildren();
  $('empty').hidden = vehicles.length > 0;
  for (const vehicle of vehicles) {
    const item = $('vehicle-template').content.firstElementChild.cloneNode(true);
    item.dataset.vin = vehicle.vin;
    item.querySelector('.plate').textContent = vehicle.plate;
    item.querySelector('.vin').textContent = vehicle.vin;
    item.querySelector('.type').textContent = vehicle.vehicleTypeCode;
    item.querySelector('.filed').hidden = !vehicle.viaFiling;
    for (const button of item.querySelectorAll('[data-action]')) {
      button.addEventListener('click', () => act(item, vehicle, button.dataset.action).catch(() => {}));
    }
    item.querySelector('.paper-form').addEventListener('submit', async event => {
      event.preventDefault();
      const form = new FormData(event.target);
      const response = await api(`/vehicles/${encodeURIComponent(vehicle.vin)}/paper-orders`, {
        method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({reason: form.get('reason'), delivery: form.get('delivery')}),
      }).catch(() => null);
      if (!response) return;
      if (!response.ok) { result(item, await problemText(response), true); return; }
      const order = await response.json();
      event.target.hidden = true;
      result(item, t('ordered', order.orderId ?? order.id ?? ''));
    });
    list.append(item);
    applyLanguage(item);
    await refresh(item, vehicle, vehicle.currentMark);
  }
}

async function start() {
  for (const button of document.querySelectorAll('[data-lang]')) {
    button.addEventListener('click', () => {
      lang = button.dataset.lang;
      localStorage.setItem('vic-lang', lang);
      applyLanguage();
    });
  }
  $('signin-form').addEventListener('submit', event => {
    event.preventDefault();
    sessionStorage.setItem('vic-owner-token', $('token').value.trim());
    $('token').value = '';
    showMessage('');
    showVehicles().catch(() => {});
  });
  $('signout').addEventListener('click', () => {
    sessionStorage.removeItem('vic-owner-token');
    showMessage('');
    showSignIn();
  });
  window.addEventListener('hashchange', async () => {
    await redeemLink();
    if (token()) await showVehicles().catch(() => {});
  });
  applyLanguage();
  await redeemLink();
  if (token()) await showVehicles().catch(() => {});
  else showSignIn();
}

start();
