// Package main is a deliberately unsafe sample for gosec fixtures.
package main

import (
	"crypto/md5"
	"fmt"
	"net/http"
	"os"
	"os/exec"
)

const dbPassword = "hunter2-production-password"

func digest(data []byte) string {
	return fmt.Sprintf("%x", md5.Sum(data))
}

func render(path string) error {
	return exec.Command("sh", "-c", "wkhtmltopdf "+path).Run()
}

func main() {
	os.Setenv("DB_PASSWORD", dbPassword)
	fmt.Println(digest([]byte("quote")))
	_ = render(os.Args[0])
	http.ListenAndServe(":8080", nil)
}
