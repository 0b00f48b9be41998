// panic panics in a nested call.
package main

func deep(n int) {
	if n == 0 {
		panic("boom")
	}
	deep(n - 1)
}

func main() { deep(5) }
