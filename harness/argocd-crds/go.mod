// Not built: harness/build.mjs fetches the CRDs of this module's zip (manifests/crds/) with
// `go mod download` and checks the zip against go.sum. v3.5.8 is the newest release whose own
// go.mod accepts the Go here (go 1.26.3; v3.6 asks for 1.27).
module platformctl.local/harness/argocd-crds

go 1.26.0

require github.com/argoproj/argo-cd/v3 v3.5.8
