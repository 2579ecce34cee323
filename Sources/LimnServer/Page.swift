/// The page at `/`: pick or drop an image, choose a command and its settings, follow its
/// progress, compare before and after, download. Plain HTML, CSS and JavaScript on the
/// API's job endpoints; nothing is fetched from elsewhere.
let page = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Limn</title>
<style>
  :root { font: 15px/1.45 system-ui, sans-serif; color: #222; background: #f4f3f0; }
  body { max-width: 1100px; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
  h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
  #drop { border: 2px dashed #999; border-radius: 8px; padding: 1.2rem; text-align: center; background: #fff; }
  #drop.over { border-color: #2a6; background: #eefaf1; }
  fieldset { border: 1px solid #ccc; border-radius: 8px; margin: 1rem 0; background: #fff; }
  label { margin-right: 1rem; }
  .hidden { display: none; }
  #styles { display: grid; grid-template-columns: repeat(auto-fill, minmax(130px, 1fr)); gap: .5rem; margin-top: .5rem; }
  .style { border: 2px solid transparent; border-radius: 6px; padding: 2px; cursor: pointer; font-size: .8rem; text-align: center; }
  .style img { width: 128px; height: 85px; object-fit: cover; display: block; margin: 0 auto; background: #ddd; }
  .style.chosen { border-color: #2a6; }
  button { font-size: 1rem; padding: .4rem 1.2rem; }
  progress { width: 100%; height: 1.2rem; }
  #viewer { display: inline-block; max-width: 100%; margin-top: 1rem; }
  #compare { position: relative; user-select: none; }
  #captions { display: flex; justify-content: space-between; font-size: .85rem; color: #555; }
  #compare img { display: block; max-width: 100%; }
  #before { position: absolute; top: 0; left: 0; width: 100%; height: 100%; object-fit: fill; clip-path: inset(0 50% 0 0); }
  #slider { width: 100%; }
  #error { color: #b00; white-space: pre-wrap; }
</style>
</head>
<body>
<h1>Limn: upscale, stylize, enhance</h1>
<div id="drop">
  <p>Drop an image here, or <input id="file" type="file" accept="image/jpeg,image/png,image/webp,image/tiff,image/gif,image/heif,image/avif"></p>
  <p id="chosen"></p>
</div>
<fieldset>
  <legend>Command</legend>
  <label><input type="radio" name="op" value="upscale" checked> upscale</label>
  <label><input type="radio" name="op" value="stylize"> stylize</label>
  <label><input type="radio" name="op" value="enhance"> enhance (deblur)</label>
  <div id="opt-upscale">
    <p><label>scale <select id="scale"><option>2</option><option>3</option><option>4</option></select></label>
    <label>model <select id="model"><option value="photo">photo</option><option value="fidelity">fidelity</option><option value="lanczos">lanczos</option></select></label></p>
  </div>
  <div id="opt-stylize" class="hidden">
    <p><label>strength <input id="style-strength" type="range" min="0" max="1" step="0.05" value="1"></label>
    <label><input id="preserve" type="checkbox"> keep the colours</label></p>
    <div id="styles"></div>
  </div>
  <div id="opt-enhance" class="hidden">
    <p><label>strength <input id="enhance-strength" type="range" min="0" max="1" step="0.05" value="1"></label></p>
  </div>
  <p><label>save as <select id="format"><option value="png">PNG</option><option value="jpg">JPEG</option><option value="webp">WebP</option><option value="tif">TIFF</option></select></label></p>
</fieldset>
<p><button id="run" disabled>Run</button> <button id="cancel" class="hidden">Cancel</button></p>
<progress id="progress" value="0" max="1" class="hidden"></progress>
<p id="status"></p>
<p id="error"></p>
<div id="out" class="hidden">
  <p>Result: <span id="result-size"></span> <a id="download" download>Download</a></p>
  <div id="viewer">
    <div id="compare"><img id="after" alt="after"><img id="before" alt="before"></div>
    <input id="slider" type="range" min="0" max="100" value="50" aria-label="before / after">
    <div id="captions"><span>◀ before</span><span>after ▶</span></div>
  </div>
</div>
<script>
"use strict";
const $ = id => document.getElementById(id);
let file = null, style = null, job = null, source = null, inputURL = null, resultURL = null;

function chooseFile(f) {
  file = f;
  $("chosen").textContent = f ? `${f.name} (${Math.round(f.size / 1024)} KB)` : "";
  $("run").disabled = !f;
}
$("file").addEventListener("change", e => chooseFile(e.target.files[0]));
const drop = $("drop");
drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", e => { e.preventDefault(); drop.classList.remove("over"); chooseFile(e.dataTransfer.files[0]); });

function op() { return document.querySelector("input[name=op]:checked").value; }
document.querySelectorAll("input[name=op]").forEach(r => r.addEventListener("change", () => {
  for (const o of ["upscale", "stylize", "enhance"]) $("opt-" + o).classList.toggle("hidden", o !== op());
}));

fetch("/v1/presets").then(r => r.json()).then(p => {
  for (const s of p.styles) {
    const card = document.createElement("div");
    card.className = "style";
    card.title = s.description;
    card.innerHTML = `<img loading="lazy" alt="">${s.name}`;
    card.querySelector("img").src = s.thumbnail;
    card.addEventListener("click", () => {
      document.querySelectorAll(".style").forEach(c => c.classList.remove("chosen"));
      card.classList.add("chosen");
      style = s.name;
    });
    $("styles").appendChild(card);
    if (!style) card.click();
  }
});

function query() {
  const q = new URLSearchParams({ op: op(), format: $("format").value });
  if (op() === "upscale") { q.set("scale", $("scale").value); q.set("model", $("model").value); }
  if (op() === "stylize") {
    q.set("style", style || ""); q.set("strength", $("style-strength").value);
    if ($("preserve").checked) q.set("preserve_colors", "true");
  }
  if (op() === "enhance") q.set("strength", $("enhance-strength").value);
  return q;
}

function busy(on) {
  $("run").disabled = on || !file;
  $("cancel").classList.toggle("hidden", !on);
  $("progress").classList.toggle("hidden", !on);
}

$("run").addEventListener("click", async () => {
  $("error").textContent = ""; $("status").textContent = "uploading"; $("progress").value = 0;
  $("out").classList.add("hidden");
  busy(true);
  const r = await fetch("/v1/jobs?" + query(), { method: "POST", body: file });
  const answer = await r.json().catch(() => ({ error: r.statusText }));
  if (r.status !== 202) { busy(false); $("status").textContent = ""; $("error").textContent = answer.error; return; }
  job = answer.id;
  source = new EventSource(answer.events);
  source.addEventListener("queued", () => { $("status").textContent = "waiting for a free slot"; });
  source.addEventListener("progress", e => {
    const p = JSON.parse(e.data).progress;
    $("progress").value = p; $("status").textContent = `working: ${Math.round(p * 100)}%`;
  });
  source.addEventListener("done", () => { source.close(); show(answer.result); });
  source.addEventListener("error", e => {
    source.close(); busy(false); $("status").textContent = "";
    $("error").textContent = e.data ? JSON.parse(e.data).error : "the connection to the server was lost";
  });
  source.addEventListener("cancelled", () => { source.close(); busy(false); $("status").textContent = "cancelled"; });
});

$("cancel").addEventListener("click", () => {
  if (source) source.close();
  if (job) fetch("/v1/jobs/" + job, { method: "DELETE" });
  busy(false); $("status").textContent = "cancelled";
});

async function show(url) {
  const r = await fetch(url);
  if (!r.ok) { busy(false); $("error").textContent = (await r.json()).error; return; }
  const blob = await r.blob();
  if (resultURL) URL.revokeObjectURL(resultURL);
  if (inputURL) URL.revokeObjectURL(inputURL);
  resultURL = URL.createObjectURL(blob);
  inputURL = URL.createObjectURL(file);
  const after = $("after");
  after.onload = () => {
    $("result-size").textContent = `${after.naturalWidth} × ${after.naturalHeight}`;
    $("out").classList.remove("hidden");
    busy(false); $("status").textContent = "done";
  };
  after.onerror = () => { $("result-size").textContent = `${Math.round(blob.size / 1024)} KB (this browser cannot show it)`;
    $("out").classList.remove("hidden"); busy(false); $("status").textContent = "done"; };
  after.src = resultURL;
  $("before").src = inputURL;
  const ext = { "image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/tiff": "tif" }[blob.type] || "png";
  $("download").href = resultURL;
  $("download").download = (file.name.replace(/\.[^.]*$/, "") || "image") + "-" + op() + "." + ext;
}

$("slider").addEventListener("input", e => { $("before").style.clipPath = `inset(0 ${100 - e.target.value}% 0 0)`; });
</script>
</body>
</html>
"""#
