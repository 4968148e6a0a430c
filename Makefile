# SteadyProxy: the two set-up commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
.DEFAULT_GOAL := help

JAVA_HOME := $(shell scripts/find-jdk)
ifeq ($(JAVA_HOME),)
$(error SteadyProxy needs a JDK 21 or newer: set JAVA_HOME to one, or install one under /usr/lib/jvm)
endif
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)

# The Maven wrapper (Maven 3.9, fetched once from Maven Central into ~/.m2/wrapper) through
# scripts/maven, which falls back to an installed Maven 3.9+ and otherwise stops with a clear
# message: a fresh machine needs only the JDK. MVN=mvn uses an installed Maven directly.
MVN ?= scripts/maven
# The first build on a machine downloads a few hundred MB of dependencies for minutes: then Maven
# shows each download and its build steps (no -q, no -ntp). Later builds are quiet.
M2_REPO ?= $(HOME)/.m2/repository
HELIDON_VERSION := $(shell sed -n 's|.*<helidon.version>\(.*\)</helidon.version>.*|\1|p' pom.xml)
ifeq ($(wildcard $(M2_REPO)/io/helidon/webserver/helidon-webserver/$(HELIDON_VERSION)/*.jar),)
MVN_FLAGS ?= -B
QUIET :=
else
MVN_FLAGS ?= -B -ntp
QUIET := -q
endif
# `make image` writes one tar per image, for this machine's platform (a tar holds one; the pushed
# images are multi-arch, see the Jib configuration in service/pom.xml).
JIB_PLATFORM ?= linux/$(shell uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')
VERSION := $(shell sed -n '0,/<version>/s|.*<version>\(.*\)</version>.*|\1|p' pom.xml)
SERVICE_JAR := service/target/steadyproxy-service.jar
AOT_CACHE := service/target/steadyproxy.aot
ARGS ?=

.PHONY: help build run test test-tools bench aot format bench-operator soak clean lint image

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

build: ## compile and package both modules, without tests
	$(MVN) $(MVN_FLAGS) $(QUIET) -DskipTests install

$(SERVICE_JAR): $(shell find service/src/main pom.xml service/pom.xml -type f 2>/dev/null)
	$(MVN) $(MVN_FLAGS) $(QUIET) -DskipTests -pl service -am package

run: $(SERVICE_JAR) ## the proxy on :8000 (in front of the built-in demo upstream unless PROXY_UPSTREAM_URL is set)
	bin/start-proxy --host 0.0.0.0 --port 8000 $(ARGS)

test: lint test-tools ## every test suite (unit, integration, chart, lint)
	$(MVN) $(MVN_FLAGS) verify

test-tools: ## install the programs the tests drive (Chromium, from Debian's packages) when missing
	scripts/test-tools

bench: $(SERVICE_JAR) $(AOT_CACHE) ## wrk against SteadyProxy, nginx and HAProxy side by side (~15 min); writes src-docs/performance.md
	bench/run-bench $(ARGS)

aot: $(AOT_CACHE) ## JDK 25 AOT cache for bin/start-proxy: a 20 s training run against the demo upstream

$(AOT_CACHE): $(SERVICE_JAR)
	bin/train-aot

soak: $(SERVICE_JAR) ## soak (1M mixed requests), connection storm and memory pressure (~10 min); writes src-docs/performance.md
	bench/run-soak

bench-operator: ## the operator against the mock API server: 100 and 500 ProxyConfigs to Ready, time and RSS; writes src-docs/performance.md
	$(MVN) $(MVN_FLAGS) $(QUIET) -pl logging,service,operator,operator-bench package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/bench.classpath && cd operator && java -cp "../operator-bench/target/classes:$$(cat ../operator-bench/target/bench.classpath)" io.steadyproxy.operator.bench.ScaleBenchmark --counts 100,500 --write $(ARGS)

lint: ## actionlint on .github/workflows, actions pinned, YAML hygiene (needs Node.js 20+ for npx)
	.github/scripts/lint

image: ## proxy and operator images as tars (*/target/jib-image.tar) for kind load image-archive; offline: JIB_FROM_IMAGE=tar:///path/base.tar
	$(MVN) $(MVN_FLAGS) $(QUIET) -DskipTests -pl service,operator -am package com.google.cloud.tools:jib-maven-plugin:3.5.2:buildTar -Djib.from.platforms=$(JIB_PLATFORM) $(if $(JIB_FROM_IMAGE),-Djib.from.image=$(JIB_FROM_IMAGE))
	@echo "images: service/target/jib-image.tar (steadyproxy/proxy:$(VERSION)), operator/target/jib-image.tar (steadyproxy/operator:$(VERSION))"

format: ## apply the code formatter (google-java-format through spotless; make test checks it)
	$(MVN) $(MVN_FLAGS) $(QUIET) spotless:apply

clean: ## remove build output
	$(MVN) $(MVN_FLAGS) $(QUIET) clean
