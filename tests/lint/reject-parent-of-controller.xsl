<?xml version="1.0" encoding="UTF-8"?>
<!-- expect: the parent axis may only name an element inside the controller -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:dc="urn:domcompat:rules">
  <xsl:template match="controller" mode="upgrade">
    <xsl:value-of select="name(parent::*)"/>
  </xsl:template>
</xsl:stylesheet>
