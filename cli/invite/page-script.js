/* global document, XMLHttpRequest, DOMParser */
// The script of the upload pages `fazhi invite` writes (inlined into each page; no other script runs there). It reads
// the page's configuration from the JSON block #fazhi-config: for a unit's page, one presigned S3 POST form per
// accepted file type and a presigned GET of the unit's status object; for the county office's index, the units and
// their status links. It checks what it can before sending (type, size, expiry) and turns S3's answers into
// Chinese a township clerk can act on. Nothing here is trusted: the S3 policy enforces the same limits.
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('fazhi-config').textContent);
  /** How often the status is asked again while a report is being processed (ms). */
  var POLL_MS = 3000;
  /** Give up polling after this long; the clerk can press 刷新 later (ms). */
  var POLL_LIMIT_MS = 15 * 60 * 1000;
  /** A status request that has not answered by then is abandoned, so a stalled connection never stops the polling (ms). */
  var STATUS_TIMEOUT_MS = 20 * 1000;

  var TYPES_TEXT = 'Word（.docx、.doc）、有文字层的 PDF、文本（.txt）、网页（.html）或 Markdown（.md）';

  function $(id) {
    return document.getElementById(id);
  }

  function formatBytes(bytes) {
    if (bytes < 1024) return bytes + ' 字节';
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KB';
    return (bytes / 1024 / 1024).toFixed(1) + ' MB';
  }

  function formatTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) return iso;
    return (
      new Intl.DateTimeFormat('zh-CN', {
        timeZone: 'Asia/Shanghai',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hour12: false,
      }).format(date) + '（北京时间）'
    );
  }

  function expired() {
    return Date.now() > Date.parse(config.expiresAt);
  }

  var EXPIRED_TEXT = '链接已过期（有效期至 ' + formatTime(config.expiresAt) + '）— 请联系县依法治县办重新获取上传页面';

  function extensionOf(name) {
    var dot = name.lastIndexOf('.');
    return dot < 0 ? '' : name.slice(dot).toLowerCase();
  }

  /** The S3 error code and message of an XML error body, or empty strings. */
  function s3Error(text) {
    try {
      var xml = new DOMParser().parseFromString(text || '', 'application/xml');
      var code = xml.getElementsByTagName('Code')[0];
      var message = xml.getElementsByTagName('Message')[0];
      return { code: code ? code.textContent : '', message: message ? message.textContent : '' };
    } catch {
      return { code: '', message: '' };
    }
  }

  // ---- Status of a unit (both page kinds) ----

  /** The status object as the clerk should read it: a state name, a sentence and which file it is about. Never a score. */
  function describeStatus(status) {
    var detail = '文件：' + status.file + (status.bytes ? '（' + formatBytes(status.bytes) + '）' : '') + '，' + formatTime(status.receivedAt) + '收到';
    if (status.state === 'received' || status.state === 'parsed') return { state: status.state, text: '已收到，正在处理', detail: detail };
    if (status.state === 'scored') return { state: 'scored', text: '已处理完成，报告已评分；分数由县依法治县办审核后公布', detail: detail };
    if (status.state === 'failed') return { state: 'failed', text: '处理失败：' + ((status.reason && status.reason.message) || '原因未记录'), detail: detail };
    return { state: 'unknown', text: '状态无法识别：' + status.state, detail: detail };
  }

  /** Calls back with { state, text, status? }. */
  function fetchStatus(url, callback) {
    var abort = new AbortController();
    var timer = setTimeout(function () {
      abort.abort();
    }, STATUS_TIMEOUT_MS);
    var answered = false;
    var done = function (result) {
      clearTimeout(timer);
      if (answered) return;
      answered = true;
      callback(result);
    };
    fetch(url, { cache: 'no-store', signal: abort.signal })
      .then(function (response) {
        if (response.status === 404) return done({ state: 'none', text: '尚未收到本单位的报告' });
        return response.text().then(function (text) {
          if (response.ok) {
            var status = JSON.parse(text);
            var described = describeStatus(status);
            described.status = status;
            return done(described);
          }
          var error = s3Error(text);
          if (expired() || /expired/i.test(error.message))
            return done({ state: 'expired', text: '链接已过期，无法查询处理状态 — 请联系县依法治县办重新获取上传页面' });
          done({ state: 'error', text: '暂时无法查询处理状态（HTTP ' + response.status + (error.code ? ' ' + error.code : '') + '）' });
        });
      })
      .catch(function () {
        done({ state: expired() ? 'expired' : 'error', text: expired() ? '链接已过期，无法查询处理状态' : '暂时无法查询处理状态：网络连接失败' });
      });
  }

  function showStatus(element, result, detailElement) {
    element.textContent = result.text;
    element.setAttribute('data-state', result.state);
    if (detailElement) detailElement.textContent = result.detail || '';
  }

  // ---- The county office's index ----

  if (config.kind === 'index') {
    var refreshAll = function () {
      config.units.forEach(function (unit, i) {
        var cell = $('status-' + i);
        cell.textContent = '查询中…';
        fetchStatus(unit.statusUrl, function (result) {
          showStatus(cell, result);
        });
      });
    };
    $('refresh').addEventListener('click', refreshAll);
    refreshAll();
    return;
  }

  // ---- A unit's upload page ----

  var input = $('file');
  var button = $('upload');
  var progress = $('progress');
  var progressText = $('progress-text');
  var result = $('result');
  var statusLine = $('status');
  var statusDetail = $('status-detail');
  var chosen = null;
  /** receivedAt of the status seen just before the upload: a new upload is seen once this changes. */
  var before = null;
  var waitingForNew = false;
  var pollTimer = null;
  /** Whether the last answer left a report on its way (then a failed query is asked again too). */
  var wasBusy = false;
  var pollStarted = 0;

  function showResult(kind, text) {
    result.textContent = text;
    result.setAttribute('data-result', kind);
  }

  function formFor(file) {
    var ext = extensionOf(file.name);
    var keys = Object.keys(config.forms);
    for (var i = 0; i < keys.length; i++) {
      var accepted = config.accept[keys[i]] || [keys[i]];
      if (accepted.indexOf(ext) >= 0) return config.forms[keys[i]];
    }
    return null;
  }

  /** What is wrong with the chosen file before sending it, or null. */
  function refusal(file) {
    if (expired()) return { kind: 'expired', text: EXPIRED_TEXT };
    if (!formFor(file)) return { kind: 'type', text: '不支持的文件类型（' + (extensionOf(file.name) || '无扩展名') + '）— 请上传 ' + TYPES_TEXT + ' 文件' };
    if (file.size === 0) return { kind: 'empty', text: '文件为空（0 字节）— 请选择正确的报告文件' };
    if (file.size > config.maxBytes)
      return {
        kind: 'too-large',
        text: '文件过大（' + formatBytes(file.size) + '，上限 ' + formatBytes(config.maxBytes) + '）— 请压缩图片或删除附件后重新上传',
      };
    return null;
  }

  /** S3's answer to the POST, in the clerk's words. */
  function answer(status, body) {
    if (status >= 200 && status < 300) return { kind: 'success', text: '上传成功 — 报告已送达，系统正在处理，请在下方查看处理状态' };
    var error = s3Error(body);
    if (error.code === 'EntityTooLarge')
      return { kind: 'too-large', text: '文件过大（上限 ' + formatBytes(config.maxBytes) + '）— 请压缩图片或删除附件后重新上传' };
    if (error.code === 'EntityTooSmall') return { kind: 'empty', text: '文件为空（0 字节）— 请选择正确的报告文件' };
    if ((error.code === 'AccessDenied' && /expired/i.test(error.message)) || (status === 0 && expired())) return { kind: 'expired', text: EXPIRED_TEXT };
    if (error.code === 'AccessDenied' || error.code === 'SignatureDoesNotMatch' || error.code === 'InvalidAccessKeyId') {
      return { kind: 'denied', text: '上传被拒绝：本页面的上传凭证无效或已被改动（' + error.code + '）— 请联系县依法治县办重新获取上传页面' };
    }
    if (status === 0) return { kind: 'network', text: '网络连接失败，文件没有上传 — 请检查网络后重试' };
    return { kind: 'error', text: '上传失败（HTTP ' + status + (error.code ? ' ' + error.code : '') + '）— 请稍后重试；如仍失败，请联系县依法治县办' };
  }

  function refreshStatus() {
    fetchStatus(config.statusUrl, function (found) {
      var received = found.status ? found.status.receivedAt : null;
      if (waitingForNew && found.state !== 'error' && received === before) {
        showStatus(statusLine, { state: 'waiting', text: '已上传，等待系统接收…' }, statusDetail);
      } else {
        // A failed query says nothing about the new upload: keep waiting for it.
        if (found.state !== 'error') waitingForNew = false;
        showStatus(statusLine, found, statusDetail);
      }
      // A failed query (network, a stalled answer) is asked again too, as long as a report is on its way.
      var busy = waitingForNew || found.state === 'received' || found.state === 'parsed' || (found.state === 'error' && wasBusy);
      wasBusy = busy;
      if (pollTimer) clearTimeout(pollTimer);
      pollTimer = null;
      if (busy && Date.now() - pollStarted < POLL_LIMIT_MS) pollTimer = setTimeout(refreshStatus, POLL_MS);
    });
  }

  function startPolling() {
    pollStarted = Date.now();
    refreshStatus();
  }

  function setBusy(busy) {
    // A file the page already refuses (type, size, expiry) cannot be sent: its reason is shown instead.
    button.disabled = busy || !chosen || refusal(chosen) !== null;
    input.disabled = busy || expired();
  }

  function send(file) {
    var fields = formFor(file);
    var data = new FormData();
    Object.keys(fields).forEach(function (name) {
      data.append(name, fields[name]);
    });
    // S3 reads the fields before the file: the file goes last.
    data.append('file', file);
    var request = new XMLHttpRequest();
    request.open('POST', config.postUrl);
    request.upload.addEventListener('progress', function (event) {
      if (!event.lengthComputable) return;
      var percent = Math.round((event.loaded / event.total) * 100);
      progress.value = percent;
      progressText.textContent = '已上传 ' + percent + '%（' + formatBytes(Math.min(event.loaded, file.size)) + ' / ' + formatBytes(file.size) + '）';
    });
    request.addEventListener('loadend', function () {
      var outcome = answer(request.status, request.responseText);
      showResult(outcome.kind, outcome.text);
      setBusy(false);
      if (outcome.kind === 'success') {
        progress.value = 100;
        progressText.textContent = '已上传 100%（' + formatBytes(file.size) + '）';
        waitingForNew = true;
        startPolling();
      }
    });
    request.send(data);
  }

  input.addEventListener('change', function () {
    chosen = input.files && input.files[0] ? input.files[0] : null;
    $('chosen').textContent = chosen ? chosen.name + ' · ' + formatBytes(chosen.size) : '未选择文件';
    progress.value = 0;
    progressText.textContent = '';
    showResult('', '');
    if (chosen) {
      var problem = refusal(chosen);
      if (problem) showResult(problem.kind, problem.text);
    }
    setBusy(false);
  });

  button.addEventListener('click', function () {
    if (!chosen) return;
    var problem = refusal(chosen);
    if (problem) {
      showResult(problem.kind, problem.text);
      return;
    }
    setBusy(true);
    showResult('uploading', '正在上传…');
    progress.value = 0;
    // The status seen right before sending: after the upload, a change of receivedAt is this upload arriving.
    fetchStatus(config.statusUrl, function (found) {
      before = found.status ? found.status.receivedAt : null;
      send(chosen);
    });
  });

  $('refresh').addEventListener('click', startPolling);

  if (expired()) showResult('expired', EXPIRED_TEXT);
  setBusy(false);
  startPolling();
})();
