// A cert-manager controller for the platformctl rehearsal on kwok: the upstream controllers of
// github.com/cert-manager/cert-manager (pinned in go.mod) run against one cluster's API server
// from the host, as the chart's controller Deployment would run them in a pod.
//
// cert-manager publishes its controller's main package (cmd/controller) as a module of its own
// that the Go module proxy does not serve, so this file wires the same public packages
// (pkg/controller's ContextFactory and registered controllers) with only the issuers the
// platform uses: SelfSigned (PKI phase 1), CA and Vault (phase 2). No ACME, Venafi, ingress or
// Gateway shims, no leader election (one process per cluster) and no metrics listener.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"sync"
	"syscall"

	controllerpkg "github.com/cert-manager/cert-manager/pkg/controller"
	logf "github.com/cert-manager/cert-manager/pkg/logs"

	// Each package registers its controllers (or issuer) in init().
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/vault"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/vault"
)

func main() {
	kubeconfig := flag.String("kubeconfig", "", "kubeconfig of the cluster to reconcile")
	clusterResourceNamespace := flag.String("cluster-resource-namespace", "cert-manager",
		"namespace of the Secrets that ClusterIssuers reference (the chart's release namespace)")
	version := flag.Bool("version", false, "print the controllers built in and exit")
	flag.Parse()

	names := make([]string, 0, len(controllerpkg.Known()))
	for name := range controllerpkg.Known() {
		names = append(names, name)
	}
	sort.Strings(names)
	if *version {
		fmt.Println("cert-manager controller (platformctl harness):", strings.Join(names, ","))
		return
	}
	if *kubeconfig == "" {
		fmt.Fprintln(os.Stderr, "--kubeconfig is required")
		os.Exit(2)
	}

	logf.InitLogs()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log, "controller")
	log := logf.FromContext(ctx)

	factory, err := controllerpkg.NewContextFactory(ctx, controllerpkg.ContextOptions{
		Kubeconfig:         *kubeconfig,
		KubernetesAPIQPS:   20,
		KubernetesAPIBurst: 50,
		IssuerOptions:      controllerpkg.IssuerOptions{ClusterResourceNamespace: *clusterResourceNamespace},
		// No back-off after a failed issuance (upstream waits 1h, then doubles): a rehearsal must
		// converge in minutes, and a failure it provokes must show its retry at once.
		CertificateOptions: controllerpkg.CertificateOptions{CertificateRequestMinimumBackoffDuration: 0},
	})
	if err != nil {
		log.Error(err, "building the controller context")
		os.Exit(1)
	}

	var wg sync.WaitGroup
	for _, name := range names {
		controller, err := controllerpkg.Known()[name](factory)
		if err != nil {
			log.Error(err, "constructing controller", "controller", name)
			os.Exit(1)
		}
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			log.Info("starting controller", "controller", name)
			if err := controller.Run(5, ctx); err != nil {
				log.Error(err, "controller stopped", "controller", name)
				os.Exit(1)
			}
		}(name)
	}

	// The informer factories are shared by every Context the factory builds.
	shared, err := factory.Build()
	if err != nil {
		log.Error(err, "building the shared context")
		os.Exit(1)
	}
	shared.SharedInformerFactory.Start(ctx.Done())
	shared.KubeSharedInformerFactory.Start(ctx.Done())
	shared.HTTP01ResourceMetadataInformersFactory.Start(ctx.Done())
	log.Info("cert-manager controllers running", "controllers", len(names))
	wg.Wait()
}
