/// The Mustache template of `report.html`, rendered over a ``ReportPage``: one self-contained,
/// well-formed XHTML-compatible page (inline CSS and SVG, no script, nothing fetched).
///
/// Every value goes through `{{name}}`, which HTML-escapes it; never use `{{{name}}}` or
/// `{{& name}}` here (a test refuses them). Write `&#160;`-style numeric references, not named
/// HTML entities, so an XML parser reads the page too.
enum ReportTemplate {
    /// One table under its heading (a ``ReportPage/Table``), for the failed checks and every table.
    static let table = """
    <h2>{{title}}</h2>
    {{#hasNote}}<p class="note">{{note}}</p>{{/hasNote}}
    <div class="scroll"><table>
    <thead><tr>{{#headers}}<th{{#isNumber}} class="num"{{/isNumber}}>{{text}}</th>{{/headers}}</tr></thead>
    <tbody>
    {{#rows}}
    <tr>{{#cells}}<td class="{{#isNumber}}num{{/isNumber}}{{#isBad}} bad{{/isBad}}">{{#isCode}}<code>{{text}}</code>{{/isCode}}\
    {{^isCode}}{{text}}{{/isCode}}</td>{{/cells}}</tr>
    {{/rows}}
    </tbody></table></div>

    """

    /// The page; `{{> table}}` is ``table``.
    static let html = """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
    <title>{{title}}</title>
    <style>
    :root { --ink: #1d2430; --muted: #5b6472; --line: #d9dee5; --pass: #1a7f37; --fail: #c0262d;
      --source: #7a8ca5; --loaded: #2f6fbf; --quarantined: #d9822b; --variance: #8e5bb5; --time: #3b9c8f; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
      background: #f4f6f9; }
    main { max-width: 1040px; margin: 0 auto; padding: 16px; }
    h1 { font-size: 1.5rem; margin: 0 0 4px; }
    h2 { font-size: 1.1rem; margin: 28px 0 6px; }
    p { margin: 4px 0 10px; }
    .verdict { border-radius: 10px; padding: 16px 18px; color: #fff; margin-bottom: 16px; }
    .verdict.pass { background: var(--pass); }
    .verdict.fail { background: var(--fail); }
    .verdict p { margin: 0; font-size: 1.05rem; }
    .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 14px; }
    .facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 14px; margin: 0; }
    .facts dt { color: var(--muted); }
    .facts dd { margin: 0; overflow-wrap: anywhere; }
    code { font: 0.86em/1.3 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; overflow-wrap: anywhere; }
    .charts { columns: 2 340px; column-gap: 14px; }
    .chart { break-inside: avoid; display: inline-block; width: 100%; margin: 0 0 14px; }
    .chart h3 { font-size: 1rem; margin: 0 0 2px; }
    .note { color: var(--muted); font-size: 0.88rem; }
    svg { display: block; width: 100%; max-width: 480px; height: auto; }
    svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; fill: var(--ink); }
    svg text.heading { font-weight: 700; }
    svg text.heading.bad, svg text.axis.bad { fill: var(--fail); }
    svg text.axis { fill: var(--muted); font-size: 10px; }
    .source { fill: var(--source); background: var(--source); }
    .loaded { fill: var(--loaded); background: var(--loaded); }
    .quarantined { fill: var(--quarantined); background: var(--quarantined); }
    .variance { fill: var(--variance); background: var(--variance); }
    .time { fill: var(--time); background: var(--time); }
    .keys { display: flex; gap: 14px; font-size: 0.88rem; margin: 4px 0; }
    .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; }
    .scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; }
    table { border-collapse: collapse; width: 100%; background: #fff; font-size: 0.9rem; }
    th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
    th { background: #eef1f5; font-weight: 600; }
    td code { white-space: nowrap; overflow-wrap: normal; }
    td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
    td.bad { color: var(--fail); font-weight: 700; }
    footer { color: var(--muted); font-size: 0.8rem; margin: 24px 0 8px; }
    @media (max-width: 600px) {
      main { padding: 10px; }
      h1 { font-size: 1.3rem; }
      .facts { grid-template-columns: 1fr; gap: 0; }
      .facts dd { margin-bottom: 6px; }
      table { font-size: 0.82rem; }
    }
    @media print { body { background: #fff; } .card { border: 0; } }
    </style>
    </head>
    <body>
    <main>
    <section class="verdict {{#passed}}pass{{/passed}}{{^passed}}fail{{/passed}}">
    <h1>{{title}}</h1>
    <p>{{summary}}</p>
    </section>
    {{#failedChecks}}
    {{> table}}
    {{/failedChecks}}
    <div class="card">
    <dl class="facts">
    {{#facts}}
    <dt>{{label}}</dt><dd>{{#isCode}}<code>{{value}}</code>{{/isCode}}{{^isCode}}{{value}}{{/isCode}}</dd>
    {{/facts}}
    </dl>
    </div>
    {{#hasCharts}}
    <h2>At a glance</h2>
    {{/hasCharts}}
    <div class="charts">
    {{#charts}}
    <figure class="card chart">
    <h3>{{title}}</h3>
    <p class="note">{{note}}</p>
    {{#hasKeys}}<div class="keys">{{/hasKeys}}{{#keys}}<span><span class="swatch {{tone}}"></span>{{name}}</span>{{/keys}}{{#hasKeys}}</div>{{/hasKeys}}
    <svg viewBox="0 0 {{viewWidth}} {{height}}" role="img" aria-label="{{title}}">
    <title>{{title}}</title>
    {{#isColumns}}
    <text class="axis" x="8" y="10">{{axisTop}}</text>
    <line x1="8" y1="{{axisY}}" x2="{{axisEnd}}" y2="{{axisY}}" stroke="#d9dee5"/>
    {{/isColumns}}
    {{#rows}}
    <text class="{{#isHeading}}heading {{tone}}{{/isHeading}}" x="0" y="{{labelY}}">{{label}}</text>
    {{#hasBar}}
    <rect class="{{tone}}" x="0" y="{{barY}}" width="{{width}}" height="12" rx="2"><title>{{label}}: {{value}}</title></rect>
    <text x="{{valueX}}" y="{{valueY}}">{{value}}</text>
    {{/hasBar}}
    {{/rows}}
    {{#columns}}
    <rect class="{{tone}}" x="{{x}}" y="{{y}}" width="{{width}}" height="{{height}}"><title>{{tooltip}}</title></rect>
    {{#hasAxisLabel}}<text class="axis" x="{{labelX}}" y="{{axisLabelY}}" text-anchor="middle">{{axisLabel}}</text>{{/hasAxisLabel}}
    {{/columns}}
    </svg>
    </figure>
    {{/charts}}
    </div>
    {{#tables}}
    {{> table}}
    {{/tables}}
    <footer>Written by mlm-migrate. The same figures are in report.json (minor units, with each currency's exponent)
    and report.md; docs/report.md says how to re-derive every digest.</footer>
    </main>
    </body>
    </html>

    """
}
