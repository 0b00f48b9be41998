// forever never exits.
package main

import (
	"fmt"
	"time"
)

func main() {
	fmt.Println("running forever")
	for {
		time.Sleep(time.Hour)
	}
}
