//! The report's stylesheet: one column that wraps anything long (paths,
//! image references) instead of widening the page, tables that become
//! stacked cards on a phone, and a print layout (a page per framework,
//! no controls, every section open).

pub(super) const STYLE: &str = "
:root{--ink:#1d2330;--muted:#5d6677;--line:#d0d5dd;--soft:#f5f6f8}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:76rem;padding:1rem 1.25rem 3rem;color:var(--ink);background:#fff}
h1{font-size:1.7rem;margin:.5rem 0 .2rem}h2{margin-top:2.4rem;border-bottom:1px solid var(--line);padding-bottom:.3rem}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
a{color:#1849a9}:focus-visible{outline:3px solid #1849a9;outline-offset:2px}
nav ul{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;padding:0;margin:.6rem 0}
table{border-collapse:collapse;width:100%;margin:.6rem 0;table-layout:fixed}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #eaecf0;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--soft)}code{font-size:.9em;background:#f2f4f7;padding:0 .25rem;border-radius:3px;overflow-wrap:anywhere}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.badge{display:inline-block;padding:0 .45rem;border-radius:9px;font-size:.78rem;font-weight:700;text-transform:uppercase;white-space:nowrap}
.pass{background:#d1fadf;color:#05603a}.fail{background:#fee4e2;color:#912018}.waived{background:#d1e9ff;color:#1849a9}
.manual{background:#fef0c7;color:#7a2e0e}.not-applicable,.not-run{background:#eaecf0;color:#344054}
.critical{background:#912018;color:#fff}.high{background:#fee4e2;color:#912018}.medium{background:#fef0c7;color:#7a2e0e}
.low,.info{background:#eaecf0;color:#344054}
.score{font-size:2rem;font-weight:700;line-height:1.1}.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(15rem,1fr));gap:1rem}
.card{border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem}
.card h3{margin:0 0 .3rem}
.card svg{display:block;width:100%;height:auto;margin:.5rem 0}
.legend{display:flex;flex-wrap:wrap;gap:.2rem .8rem;font-size:.85rem;list-style:none;padding:0;margin:0}
.swatch-pass{background:#12b76a}.swatch-fail{background:#d92d20}.swatch-waived{background:#2e90fa}.swatch-manual{background:#f79009}.swatch-not-run{background:#98a2b3}.swatch-not-applicable{background:#d0d5dd}
.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
.columns{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1.5rem}
.columns ol{padding-left:1.4rem;margin:.3rem 0}
html:not(.scripted) .filters{display:none}
.filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;background:var(--soft);border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem;margin:.6rem 0}
.filters input[type=search]{font:inherit;padding:.25rem .5rem;min-width:0;width:16rem;max-width:100%}
.filters label{white-space:nowrap}
details.resource{border:1px solid var(--line);border-radius:8px;margin:.5rem 0;padding:0 .6rem}
details.resource>summary{cursor:pointer;padding:.45rem 0;overflow-wrap:anywhere}
details.evidence>summary{cursor:pointer}
details.evidence ul{padding-left:1.1rem;margin:.3rem 0}
.requirements col.req{width:34%}.requirements col.status{width:8.5rem}.requirements col.coverage{width:6.5rem}.requirements col.controls{width:20%}
.findings col.sev{width:7rem}.findings col.control{width:22%}.findings col.where{width:28%}
.waivers col.control{width:18%}
@media (max-width:700px){
 body{padding:.6rem .8rem 2rem}
 table,thead,tbody,tr,th,td{display:block;width:auto}
 colgroup{display:none}
 thead tr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
 tr{border-bottom:1px solid var(--line);padding:.4rem 0}
 td{border:0;padding:.15rem .2rem}
 td[data-label]::before{content:attr(data-label) ': ';font-weight:600;color:var(--muted)}
}
@media print{
 body{max-width:none;margin:0;padding:0;font-size:10.5pt}
 nav,.filters,.no-print{display:none}
 .framework,#findings-section{break-before:page}
 tr,details.resource,.card{break-inside:avoid}
 a{color:inherit;text-decoration:none}
 a[href^='http']::after{content:' (' attr(href) ')'}
 [hidden]{display:revert}
}
";
