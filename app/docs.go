package app

import (
	"bytes"
	"html/template"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// The /docs page is rendered on the server from the same OpenAPI document
// that /openapi.json serves, so it works offline and never disagrees with it.

type docOp struct {
	Method, Path, Summary, ID, Body string
	Params                          []docParam
	Responses                       []string
	Admin                           bool
}

type docParam struct{ Name, In, Type, Desc string }

type docSchema struct {
	Name   string
	Fields []docParam
}

type docTag struct {
	Name string
	Ops  []docOp
}

var docsTmpl = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} API {{.Version}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:980px;margin:0 auto;padding:24px}
h1{margin:0 0 4px}h2{margin-top:40px;border-bottom:2px solid #ddd;padding-bottom:4px}
.op{background:#fff;border:1px solid #e3e3e3;border-radius:8px;padding:12px 16px;margin:12px 0}
.m{display:inline-block;min-width:64px;font:600 13px monospace;padding:2px 6px;border-radius:4px;color:#fff;text-align:center}
.GET{background:#2b7bb9}.POST{background:#2f9e44}.PATCH{background:#d9480f}.PUT{background:#ae3ec9}.DELETE{background:#c92a2a}
code,.p{font-family:ui-monospace,monospace}.p{font-weight:600}
table{border-collapse:collapse;margin:8px 0;width:100%}td,th{border-top:1px solid #eee;padding:4px 8px;text-align:left;vertical-align:top;font-size:14px}
.lock{color:#a61e4d;font-size:13px}.muted{color:#666}
</style></head><body><main>
<h1>{{.Title}} API <span class="muted">{{.Version}}</span></h1>
<p>{{.Description}}</p>
<p>Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI {{.OpenAPI}}).</p>
{{range .Tags}}<h2>{{.Name}}</h2>
{{range .Ops}}<div class="op" id="{{.ID}}"><span class="m {{.Method}}">{{.Method}}</span> <span class="p">{{.Path}}</span> — {{.Summary}}
{{if .Admin}}<div class="lock">Requires an admin API key.</div>{{end}}
{{if .Params}}<table><tr><th>parameter</th><th>in</th><th>type</th><th>description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code></td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Desc}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<div>Body: <a href="#schema-{{.Body}}"><code>{{.Body}}</code></a></div>{{end}}
<div class="muted">Answers: {{range .Responses}}<code>{{.}}</code> {{end}}</div></div>
{{end}}{{end}}
<h2>Schemas</h2>
{{range .Schemas}}<div class="op" id="schema-{{.Name}}"><span class="p">{{.Name}}</span>
<table>{{range .Fields}}<tr><td><code>{{.Name}}</code>{{if .In}} <span class="muted">{{.In}}</span>{{end}}</td><td>{{.Type}}</td><td>{{.Desc}}</td></tr>{{end}}</table></div>
{{end}}
</main></body></html>
`))

func schemaType(s *huma.Schema) string {
	if s == nil {
		return ""
	}
	if s.Ref != "" {
		return s.Ref[strings.LastIndex(s.Ref, "/")+1:]
	}
	t := s.Type
	if t == "array" && s.Items != nil {
		return "array of " + schemaType(s.Items)
	}
	if len(s.Enum) > 0 {
		var vals []string
		for _, e := range s.Enum {
			if v, ok := e.(string); ok && v != "" {
				vals = append(vals, v)
			}
		}
		return t + " (" + strings.Join(vals, ", ") + ")"
	}
	if s.Format != "" {
		return t + " (" + s.Format + ")"
	}
	return t
}

func renderDocs(doc *huma.OpenAPI) ([]byte, error) {
	tags := map[string]*docTag{}
	for path, item := range doc.Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op == nil {
				continue
			}
			d := docOp{Method: method, Path: path, Summary: op.Summary, ID: op.OperationID, Admin: len(op.Security) > 0}
			for _, p := range op.Parameters {
				d.Params = append(d.Params, docParam{Name: p.Name, In: p.In, Type: schemaType(p.Schema), Desc: p.Description})
			}
			if op.RequestBody != nil {
				if mt := op.RequestBody.Content["application/json"]; mt != nil {
					d.Body = schemaType(mt.Schema)
				}
			}
			for code := range op.Responses {
				d.Responses = append(d.Responses, code)
			}
			sort.Strings(d.Responses)
			tag := "Other"
			if len(op.Tags) > 0 {
				tag = op.Tags[0]
			}
			if tags[tag] == nil {
				tags[tag] = &docTag{Name: tag}
			}
			tags[tag].Ops = append(tags[tag].Ops, d)
		}
	}
	var tagList []docTag
	for _, t := range tags {
		sort.Slice(t.Ops, func(i, j int) bool {
			if t.Ops[i].Path != t.Ops[j].Path {
				return t.Ops[i].Path < t.Ops[j].Path
			}
			return t.Ops[i].Method < t.Ops[j].Method
		})
		tagList = append(tagList, *t)
	}
	sort.Slice(tagList, func(i, j int) bool { return tagList[i].Name < tagList[j].Name })
	var schemas []docSchema
	for name, s := range doc.Components.Schemas.Map() {
		ds := docSchema{Name: name}
		req := map[string]bool{}
		for _, r := range s.Required {
			req[r] = true
		}
		for field, fs := range s.Properties {
			in := ""
			if req[field] {
				in = "required"
			}
			ds.Fields = append(ds.Fields, docParam{Name: field, In: in, Type: schemaType(fs), Desc: fs.Description})
		}
		sort.Slice(ds.Fields, func(i, j int) bool { return ds.Fields[i].Name < ds.Fields[j].Name })
		schemas = append(schemas, ds)
	}
	sort.Slice(schemas, func(i, j int) bool { return schemas[i].Name < schemas[j].Name })
	var buf bytes.Buffer
	err := docsTmpl.Execute(&buf, map[string]any{
		"Title": doc.Info.Title, "Version": doc.Info.Version, "Description": doc.Info.Description,
		"OpenAPI": doc.OpenAPI, "Tags": tagList, "Schemas": schemas,
	})
	return buf.Bytes(), err
}
