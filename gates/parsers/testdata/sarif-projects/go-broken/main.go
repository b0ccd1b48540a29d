// Package main does not compile: gosec cannot type-check it, so the scan is incomplete.
package main

func main() {
	undefinedFunction()
}
